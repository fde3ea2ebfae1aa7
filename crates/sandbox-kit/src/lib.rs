//! Switchboard sandbox kit: what every fake vendor server shares, independent of any vendor's wire
//! contract. A vendor crate (e.g. `switchboard-sandbox-webex`) brings its routes, model, seed and
//! error bodies; the kit brings the rest:
//!
//! * [`serve`]: the accept loop (graceful stop, connections that can be dropped, idle/slow
//!   connections timed out and a connection cap: [`ServerLimits`]) and [`Server`];
//! * [`faults`] + [`middleware`]: fault injection and request counting, errors rendered by the
//!   vendor's [`ErrorBody`];
//! * [`stats`]: the counters and `GET /_sandbox/stats`;
//! * [`store`]: the state behind one lock, persisted atomically with an adaptive flush, in a dir
//!   that one store owns at a time ([`lockfile`]: an advisory `LOCK`, private permissions);
//! * [`table`] + [`usage`]: indexed tables with unique keys and declared references, so "who uses
//!   X" and "refuse to delete X while used" are answered once for every resource;
//! * [`paging`]: `max`/`start` slicing and `Link: rel="next"` headers.
//!
//! How a vendor crate uses it: define the state as a serde struct of [`Table`]s (each row type
//! implements [`Record`]: its key, unique keys and references), implement [`StateFile`] (schema
//! version) and [`Schema`] (list the tables) for it; open a [`Store`] with a seed function; build
//! an axum router of vendor routes whose handlers `read`/`write` the store, add
//! [`middleware::inject`] with a [`FaultLayer`] (API prefix, [`FaultConfig`], [`Stats`], and an
//! [`ErrorBody`] that renders the vendor's error JSON) via `Router::layer`, merge
//! [`stats::routes`], and [`Server::launch`] it.

mod conn;
pub mod faults;
pub mod lockfile;
pub mod middleware;
pub mod paging;
pub mod serve;
pub mod stats;
pub mod store;
pub mod table;
pub mod usage;

pub use conn::ServerLimits;
pub use faults::{FailRequest, FaultConfig};
pub use lockfile::{DirLock, LockHolder, OrgInUse};
pub use middleware::{ErrorBody, FaultLayer, TrackingId, inject};
pub use serve::Server;
pub use stats::{Stats, StatsSnapshot};
pub use store::{STATE_FILE, StateFile, Store, write_state};
pub use table::{Record, Reference, Table, TableError};
pub use usage::{InUse, Referencing, Referrer, Schema};
