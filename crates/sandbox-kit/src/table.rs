//! Indexed tables: the rows of one resource keyed by id, in insertion order, with the unique
//! secondary keys and the references to other resources each row declares once (`Record`).
//! Lookups by id or by a unique key are O(1); so is "which rows of this table reference X".

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::de::{Deserialize, Deserializer, Error as _};
use serde::ser::{Serialize, SerializeSeq, Serializer};

/// A resource stored in a [`Table`]: how it is keyed, what must be unique, what it points at.
pub trait Record: Clone {
    /// The resource's name in messages and in references, e.g. `"Trunk"`, `"Route group"`.
    const KIND: &'static str;

    /// Primary key, unique in the table (usually the public id).
    fn key(&self) -> Cow<'_, str>;

    /// Secondary keys that must be unique in the table, as `(index, normalized key)`. A row may
    /// have several keys in one index (e.g. every email of a person).
    fn unique_keys(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Rows of other tables this row depends on (a route group → its trunks).
    fn references(&self) -> Vec<Reference> {
        Vec::new()
    }

    /// How the row is named in messages (default: its key).
    fn label(&self) -> String {
        self.key().into_owned()
    }
}

/// "This row uses row `id` of resource `target`, as `role`" (e.g. `"PSTN connection"`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    pub target: &'static str,
    pub id: String,
    pub role: &'static str,
}

impl Reference {
    /// A reference to a row of `T`'s table.
    pub fn to<T: Record>(id: impl Into<String>, role: &'static str) -> Self {
        Self {
            target: T::KIND,
            id: id.into(),
            role,
        }
    }
}

/// Why a table refused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    NotFound {
        kind: &'static str,
        key: String,
    },
    /// `index` is `"id"` for the primary key, else the name given in `Record::unique_keys`.
    Duplicate {
        kind: &'static str,
        index: &'static str,
        key: String,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::NotFound { kind, key } => write!(f, "{kind} not found: {key}"),
            TableError::Duplicate { kind, index, key } => {
                write!(f, "{kind}: {index} '{key}' is already used")
            }
        }
    }
}

impl std::error::Error for TableError {}

/// target id → (slot, role) of the rows referencing it, for one target kind.
type Referrers = HashMap<String, BTreeSet<(usize, &'static str)>>;

/// Rows in slots (a removed row leaves a hole until the next compaction, so slots stay stable
/// and the order is the insertion order), plus the indexes derived from them.
#[derive(Clone)]
pub struct Table<T: Record> {
    rows: Vec<Option<T>>,
    live: usize,
    by_key: HashMap<String, usize>,
    unique: HashMap<&'static str, HashMap<String, usize>>,
    /// target kind → target id → (slot, role) of the rows referencing it.
    refs: HashMap<&'static str, Referrers>,
}

impl<T: Record> Default for Table<T> {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            live: 0,
            by_key: HashMap::new(),
            unique: HashMap::new(),
            refs: HashMap::new(),
        }
    }
}

impl<T: Record + fmt::Debug> fmt::Debug for Table<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Record> Table<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// A table of `rows`, in order; fails on the first duplicate key.
    pub fn from_rows(rows: impl IntoIterator<Item = T>) -> Result<Self, TableError> {
        let mut table = Self::new();
        for row in rows {
            table.insert(row)?;
        }
        Ok(table)
    }

    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Rows in insertion order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.rows.iter().flatten()
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.by_key
            .get(key)
            .and_then(|&slot| self.rows[slot].as_ref())
    }

    pub fn contains(&self, key: &str) -> bool {
        self.by_key.contains_key(key)
    }

    /// The row holding `key` in unique index `index` (keys as `Record::unique_keys` normalizes them).
    pub fn find(&self, index: &str, key: &str) -> Option<&T> {
        let slot = *self.unique.get(index)?.get(key)?;
        self.rows[slot].as_ref()
    }

    pub fn insert(&mut self, row: T) -> Result<(), TableError> {
        self.check(&row, None)?;
        let slot = self.rows.len();
        self.index(&row, slot);
        self.rows.push(Some(row));
        self.live += 1;
        Ok(())
    }

    /// Replace the row at `key` with `row` in place (the order is kept; the key may change, e.g.
    /// a name-derived id after a rename). Returns the old row.
    pub fn replace(&mut self, key: &str, row: T) -> Result<T, TableError> {
        let slot = self.slot(key)?;
        self.check(&row, Some(slot))?;
        let old = self.rows[slot].take().expect("indexed slot holds a row");
        self.unindex(&old, slot);
        self.index(&row, slot);
        self.rows[slot] = Some(row);
        Ok(old)
    }

    /// Change the row at `key` through `f` (applied to a copy, so a change that would break a
    /// unique key leaves the table as it was).
    pub fn update<R>(&mut self, key: &str, f: impl FnOnce(&mut T) -> R) -> Result<R, TableError> {
        let mut row = self.get(key).cloned().ok_or_else(|| not_found::<T>(key))?;
        let result = f(&mut row);
        self.replace(key, row)?;
        Ok(result)
    }

    pub fn remove(&mut self, key: &str) -> Option<T> {
        let slot = self.by_key.get(key).copied()?;
        let row = self.rows[slot].take()?;
        self.unindex(&row, slot);
        self.live -= 1;
        if self.rows.len() > 32 && self.live * 2 < self.rows.len() {
            self.compact();
        }
        Some(row)
    }

    /// The rows referencing `target`'s row `id`, with the role of each reference, in table order.
    pub fn referencing(&self, target: &str, id: &str) -> impl Iterator<Item = (&T, &'static str)> {
        self.refs
            .get(target)
            .and_then(|by_id| by_id.get(id))
            .into_iter()
            .flatten()
            .filter_map(|&(slot, role)| self.rows[slot].as_ref().map(|row| (row, role)))
    }

    /// Whether any row references `target`'s row `id`.
    pub fn references(&self, target: &str, id: &str) -> bool {
        self.refs
            .get(target)
            .and_then(|by_id| by_id.get(id))
            .is_some_and(|users| !users.is_empty())
    }

    fn slot(&self, key: &str) -> Result<usize, TableError> {
        self.by_key
            .get(key)
            .copied()
            .ok_or_else(|| not_found::<T>(key))
    }

    /// Would `row` (stored at `own`, if it replaces a row) collide with another row?
    fn check(&self, row: &T, own: Option<usize>) -> Result<(), TableError> {
        let taken = |slot: Option<&usize>| slot.is_some_and(|s| Some(*s) != own);
        let key = row.key();
        if taken(self.by_key.get(key.as_ref())) {
            return Err(duplicate::<T>("id", key.into_owned()));
        }
        for (index, k) in row.unique_keys() {
            if taken(self.unique.get(index).and_then(|keys| keys.get(&k))) {
                return Err(duplicate::<T>(index, k));
            }
        }
        Ok(())
    }

    fn index(&mut self, row: &T, slot: usize) {
        self.by_key.insert(row.key().into_owned(), slot);
        for (index, k) in row.unique_keys() {
            self.unique.entry(index).or_default().insert(k, slot);
        }
        for r in row.references() {
            self.refs
                .entry(r.target)
                .or_default()
                .entry(r.id)
                .or_default()
                .insert((slot, r.role));
        }
    }

    fn unindex(&mut self, row: &T, slot: usize) {
        self.by_key.remove(row.key().as_ref());
        for (index, k) in row.unique_keys() {
            if let Some(keys) = self.unique.get_mut(index)
                && keys.get(&k) == Some(&slot)
            {
                keys.remove(&k);
            }
        }
        for r in row.references() {
            if let Some(by_id) = self.refs.get_mut(r.target)
                && let Some(users) = by_id.get_mut(&r.id)
            {
                users.remove(&(slot, r.role));
                if users.is_empty() {
                    by_id.remove(&r.id);
                }
            }
        }
    }

    /// Drop the holes left by removals; slots change, so every index is rebuilt.
    fn compact(&mut self) {
        let rows: Vec<T> = std::mem::take(&mut self.rows)
            .into_iter()
            .flatten()
            .collect();
        *self = Self::default();
        for (slot, row) in rows.into_iter().enumerate() {
            self.index(&row, slot);
            self.rows.push(Some(row));
        }
        self.live = self.rows.len();
    }
}

fn not_found<T: Record>(key: &str) -> TableError {
    TableError::NotFound {
        kind: T::KIND,
        key: key.to_string(),
    }
}

fn duplicate<T: Record>(index: &'static str, key: String) -> TableError {
    TableError::Duplicate {
        kind: T::KIND,
        index,
        key,
    }
}

impl<'a, T: Record> IntoIterator for &'a Table<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Option<T>>>;

    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter().flatten()
    }
}

/// Persisted as a plain array of rows; the indexes are rebuilt on load.
impl<T: Record + Serialize> Serialize for Table<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.live))?;
        for row in self.iter() {
            seq.serialize_element(row)?;
        }
        seq.end()
    }
}

impl<'de, T: Record + Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let rows = Vec::<T>::deserialize(deserializer)?;
        Table::from_rows(rows).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Trunk {
        id: String,
        name: String,
        location: String,
    }

    impl Record for Trunk {
        const KIND: &'static str = "Trunk";
        fn key(&self) -> Cow<'_, str> {
            Cow::Borrowed(&self.id)
        }
        fn unique_keys(&self) -> Vec<(&'static str, String)> {
            vec![("name", self.name.to_ascii_lowercase())]
        }
        fn references(&self) -> Vec<Reference> {
            vec![Reference {
                target: "Location",
                id: self.location.clone(),
                role: "location",
            }]
        }
    }

    fn trunk(id: &str, name: &str, location: &str) -> Trunk {
        Trunk {
            id: id.into(),
            name: name.into(),
            location: location.into(),
        }
    }

    #[test]
    fn lookups_by_id_and_unique_key() {
        let mut t = Table::new();
        t.insert(trunk("1", "Alpha", "L1")).unwrap();
        t.insert(trunk("2", "Beta", "L1")).unwrap();
        assert_eq!(t.get("2").unwrap().name, "Beta");
        assert_eq!(t.find("name", "alpha").unwrap().id, "1");
        assert_eq!(
            t.insert(trunk("3", "ALPHA", "L2")),
            Err(TableError::Duplicate {
                kind: "Trunk",
                index: "name",
                key: "alpha".into()
            })
        );
        assert!(matches!(
            t.insert(trunk("1", "Gamma", "L2")),
            Err(TableError::Duplicate { index: "id", .. })
        ));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn update_keeps_order_and_refuses_collisions() {
        let mut t = Table::from_rows([trunk("1", "A", "L"), trunk("2", "B", "L")]).unwrap();
        // Renaming onto itself (other case) is fine; onto another row's name is not.
        t.update("1", |r| r.name = "a".into()).unwrap();
        assert!(t.update("1", |r| r.name = "b".into()).is_err());
        assert_eq!(
            t.get("1").unwrap().name,
            "a",
            "a refused update changes nothing"
        );
        // A key change keeps the position.
        let mut renamed = t.get("1").unwrap().clone();
        renamed.id = "9".into();
        t.replace("1", renamed).unwrap();
        let ids: Vec<_> = t.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["9", "2"]);
        assert!(t.get("1").is_none());
        assert!(matches!(
            t.update("1", |_| ()),
            Err(TableError::NotFound { .. })
        ));
    }

    #[test]
    fn references_follow_changes_and_removals() {
        let mut t = Table::from_rows([trunk("1", "A", "L1"), trunk("2", "B", "L1")]).unwrap();
        let users: Vec<_> = t
            .referencing("Location", "L1")
            .map(|(r, _)| &r.id)
            .collect();
        assert_eq!(users, ["1", "2"]);
        t.update("1", |r| r.location = "L2".into()).unwrap();
        assert!(t.references("Location", "L2"));
        t.remove("2");
        assert!(!t.references("Location", "L1"));
        assert!(t.find("name", "b").is_none());
    }

    #[test]
    fn removals_compact_without_losing_indexes() {
        let mut t = Table::new();
        for i in 0..100 {
            t.insert(trunk(&i.to_string(), &format!("T{i}"), "L"))
                .unwrap();
        }
        for i in (0..100).filter(|i| i % 4 != 0) {
            t.remove(&i.to_string()).unwrap();
        }
        assert_eq!(t.len(), 25);
        assert_eq!(t.find("name", "t96").unwrap().id, "96");
        assert_eq!(t.referencing("Location", "L").count(), 25);
        let ids: Vec<_> = t.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids.first().map(String::as_str), Some("0"));
        assert_eq!(ids.last().map(String::as_str), Some("96"));
    }

    #[test]
    fn persists_as_an_array_and_refuses_duplicates_on_load() {
        let t = Table::from_rows([trunk("1", "A", "L")]).unwrap();
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.starts_with('['), "{json}");
        let back: Table<Trunk> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.find("name", "a").unwrap().id, "1");
        let twice =
            r#"[{"id":"1","name":"A","location":"L"},{"id":"2","name":"a","location":"L"}]"#;
        let err = serde_json::from_str::<Table<Trunk>>(twice).unwrap_err();
        assert!(err.to_string().contains("name 'a'"), "{err}");
    }
}
