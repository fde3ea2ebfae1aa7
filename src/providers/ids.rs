//! Two-way map between vendor ids and natural keys, for one target.
//!
//! Built from observations and updated as objects are created. Persistent maps: every running
//! action takes a snapshot, and a clone costs O(1) however large the org (a plain HashMap clone
//! per action was quadratic).

use crate::model::{LiveObject, TargetKey};

#[derive(Debug, Clone, Default)]
pub struct IdIndex {
    by_key: imbl::HashMap<TargetKey, String>,
    by_id: imbl::HashMap<(String, String), String>,
}

impl IdIndex {
    pub fn insert(&mut self, kind: &str, key: &str, id: &str) {
        self.by_key
            .insert(TargetKey::new(kind, key), id.to_string());
        self.by_id
            .insert((kind.to_string(), id.to_string()), key.to_string());
    }
    pub fn remove(&mut self, kind: &str, key: &str) {
        if let Some(id) = self.by_key.remove(&TargetKey::new(kind, key)) {
            self.by_id.remove(&(kind.to_string(), id));
        }
    }
    pub fn id_of(&self, kind: &str, key: &str) -> Option<&str> {
        self.by_key
            .get(&TargetKey::new(kind, key))
            .map(String::as_str)
    }
    pub fn key_of(&self, kind: &str, id: &str) -> Option<&str> {
        self.by_id
            .get(&(kind.to_string(), id.to_string()))
            .map(String::as_str)
    }
    /// Every `(key, id)` of one kind.
    pub fn all_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.by_key
            .iter()
            .filter(move |(k, _)| k.kind == kind)
            .map(|(k, id)| (k.key.as_str(), id.as_str()))
    }
    pub fn from_live<'a>(objects: impl IntoIterator<Item = &'a LiveObject>) -> Self {
        let mut index = Self::default();
        index.extend(objects);
        index
    }
    pub fn extend<'a>(&mut self, objects: impl IntoIterator<Item = &'a LiveObject>) {
        for o in objects {
            self.insert(&o.kind, &o.key, &o.id);
        }
    }
}
