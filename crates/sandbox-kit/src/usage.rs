//! Reference and usage bookkeeping across tables: "who uses X" and "refuse to delete X while it
//! is used", answered from the references each `Record` declares, never counted by hand in a route.
//! A vendor's state implements [`Schema`] by listing its tables once.

use crate::table::{Record, Table};

/// One row that references another, as reported by [`Schema::users_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// The referencing resource (`Record::KIND`), e.g. `"Route group"`.
    pub kind: &'static str,
    pub key: String,
    pub label: String,
    /// How it references the target, as its `Reference::role` says.
    pub role: &'static str,
}

/// A delete refused because rows still reference the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InUse {
    pub kind: &'static str,
    pub id: String,
    pub users: Vec<Referrer>,
}

/// A table seen only through the references its rows make (object-safe, so one [`Schema`] can
/// list tables of different row types).
pub trait Referencing {
    fn referrers(&self, target: &str, id: &str) -> Vec<Referrer>;
    fn is_referencing(&self, target: &str, id: &str) -> bool;
}

impl<T: Record> Referencing for Table<T> {
    fn referrers(&self, target: &str, id: &str) -> Vec<Referrer> {
        self.referencing(target, id)
            .map(|(row, role)| Referrer {
                kind: T::KIND,
                key: row.key().into_owned(),
                label: row.label(),
                role,
            })
            .collect()
    }

    fn is_referencing(&self, target: &str, id: &str) -> bool {
        self.references(target, id)
    }
}

/// The tables of a vendor's state, declared once; usage questions are answered over all of them.
pub trait Schema {
    /// Every table whose rows may reference others, in the order users should be reported.
    fn tables(&self) -> Vec<&dyn Referencing>;

    /// Everything referencing row `id` of resource `T`.
    fn users_of<T: Record>(&self, id: &str) -> Vec<Referrer> {
        self.tables()
            .into_iter()
            .flat_map(|t| t.referrers(T::KIND, id))
            .collect()
    }

    /// How many references to row `id` of `T` have the given role.
    fn count_users<T: Record>(&self, id: &str, role: &str) -> usize {
        self.users_of::<T>(id)
            .iter()
            .filter(|r| r.role == role)
            .count()
    }

    fn is_used<T: Record>(&self, id: &str) -> bool {
        self.tables()
            .into_iter()
            .any(|t| t.is_referencing(T::KIND, id))
    }

    /// `Err` listing the users while anything references row `id` of `T`.
    fn ensure_unused<T: Record>(&self, id: &str) -> Result<(), InUse> {
        let users = self.users_of::<T>(id);
        if users.is_empty() {
            Ok(())
        } else {
            Err(InUse {
                kind: T::KIND,
                id: id.to_string(),
                users,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::table::Reference;

    #[derive(Clone)]
    struct Trunk(String);
    #[derive(Clone)]
    struct Group(String, Vec<String>);
    #[derive(Clone)]
    struct Plan(String, String);

    impl Record for Trunk {
        const KIND: &'static str = "Trunk";
        fn key(&self) -> Cow<'_, str> {
            Cow::Borrowed(&self.0)
        }
    }
    impl Record for Group {
        const KIND: &'static str = "Route group";
        fn key(&self) -> Cow<'_, str> {
            Cow::Borrowed(&self.0)
        }
        fn references(&self) -> Vec<Reference> {
            self.1
                .iter()
                .map(|t| Reference::to::<Trunk>(t.clone(), "gateway"))
                .collect()
        }
    }
    impl Record for Plan {
        const KIND: &'static str = "Dial plan";
        fn key(&self) -> Cow<'_, str> {
            Cow::Borrowed(&self.0)
        }
        fn references(&self) -> Vec<Reference> {
            vec![Reference::to::<Trunk>(self.1.clone(), "route")]
        }
    }

    struct Org {
        trunks: Table<Trunk>,
        groups: Table<Group>,
        plans: Table<Plan>,
    }

    impl Schema for Org {
        fn tables(&self) -> Vec<&dyn Referencing> {
            vec![&self.trunks, &self.groups, &self.plans]
        }
    }

    #[test]
    fn users_are_found_across_tables() {
        let mut org = Org {
            trunks: Table::from_rows([Trunk("t1".into()), Trunk("t2".into())]).unwrap(),
            groups: Table::from_rows([Group("g".into(), vec!["t1".into(), "t2".into()])]).unwrap(),
            plans: Table::from_rows([Plan("p".into(), "t1".into())]).unwrap(),
        };
        let users = org.users_of::<Trunk>("t1");
        let kinds: Vec<_> = users.iter().map(|u| (u.kind, u.role)).collect();
        assert_eq!(kinds, [("Route group", "gateway"), ("Dial plan", "route")]);
        assert_eq!(org.count_users::<Trunk>("t1", "route"), 1);
        assert!(org.ensure_unused::<Trunk>("t1").is_err());
        org.plans.remove("p");
        org.groups.update("g", |g| g.1 = vec!["t2".into()]).unwrap();
        assert!(!org.is_used::<Trunk>("t1"));
        assert_eq!(org.ensure_unused::<Trunk>("t1"), Ok(()));
        assert_eq!(org.ensure_unused::<Trunk>("t2").unwrap_err().users.len(), 1);
    }
}
