//! References → a petgraph DAG → a topological order and the dependencies of each node.
//! A cycle is an error that names every object on it.

use petgraph::algo::{tarjan_scc, toposort};
use petgraph::graph::{DiGraph, NodeIndex};

/// A dependency graph over nodes `0..n`; an edge `(a, b)` means `a` depends on `b`.
#[derive(Debug, Clone)]
pub struct DependencyGraph {
    /// Dependencies come before their dependents.
    pub order: Vec<usize>,
    pub dependencies: Vec<Vec<usize>>,
}

/// The nodes of one cycle, in order (the first is repeated at the end when rendered).
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle(pub Vec<usize>);

pub fn build(node_count: usize, edges: &[(usize, usize)]) -> Result<DependencyGraph, Cycle> {
    let mut graph: DiGraph<usize, ()> = DiGraph::with_capacity(node_count, edges.len());
    let nodes: Vec<NodeIndex> = (0..node_count).map(|i| graph.add_node(i)).collect();
    let mut dependencies = vec![Vec::new(); node_count];
    for &(dependent, dependency) in edges {
        // Edges point from a dependency to its dependents, so toposort yields dependencies first.
        graph.update_edge(nodes[dependency], nodes[dependent], ());
        if !dependencies[dependent].contains(&dependency) {
            dependencies[dependent].push(dependency);
        }
    }
    match toposort(&graph, None) {
        Ok(sorted) => Ok(DependencyGraph {
            order: sorted.into_iter().map(|n| graph[n]).collect(),
            dependencies,
        }),
        Err(_) => Err(find_cycle(&graph, &dependencies)),
    }
}

fn find_cycle(graph: &DiGraph<usize, ()>, dependencies: &[Vec<usize>]) -> Cycle {
    for component in tarjan_scc(graph) {
        let members: Vec<usize> = component.iter().map(|n| graph[*n]).collect();
        let is_cycle = members.len() > 1 || dependencies[members[0]].contains(&members[0]);
        if !is_cycle {
            continue;
        }
        // Walk dependency edges inside the component from its smallest node back to itself.
        let start = *members.iter().min().unwrap_or(&members[0]);
        let mut path = vec![start];
        let mut current = start;
        loop {
            let next = dependencies[current]
                .iter()
                .copied()
                .filter(|d| members.contains(d))
                .min_by_key(|d| {
                    // Prefer closing the loop, then unvisited nodes.
                    (*d != start, path.contains(d))
                });
            match next {
                Some(n) if n == start => break,
                Some(n) if !path.contains(&n) => {
                    path.push(n);
                    current = n;
                }
                _ => break,
            }
        }
        return Cycle(path);
    }
    Cycle(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_first() {
        // 0 depends on 1, 1 depends on 2.
        let g = build(3, &[(0, 1), (1, 2)]).expect("acyclic");
        let pos = |n| g.order.iter().position(|&x| x == n).expect("present");
        assert!(pos(2) < pos(1) && pos(1) < pos(0));
        assert_eq!(g.dependencies[0], vec![1]);
    }

    #[test]
    fn a_cycle_names_its_members_in_order() {
        let cycle = build(4, &[(0, 1), (1, 2), (2, 0), (3, 0)]).expect_err("cyclic");
        assert_eq!(cycle.0, vec![0, 1, 2]);
    }

    #[test]
    fn a_self_reference_is_a_cycle() {
        assert_eq!(build(1, &[(0, 0)]).expect_err("cyclic").0, vec![0]);
    }
}
