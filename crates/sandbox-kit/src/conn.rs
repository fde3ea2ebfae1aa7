//! Connection hygiene for the accept loop, so that idle or slow clients cannot starve real ones:
//!
//! * a connection with no request in progress is closed [`ServerLimits::idle_timeout`] after its
//!   last answer (or after it opened) — whether it sends nothing, trickles a request head byte by
//!   byte, or keeps an idle keep-alive; hyper's own `header_read_timeout` is set too;
//! * a request body must arrive within [`ServerLimits::body_timeout`] of its head;
//! * at most [`ServerLimits::max_connections`] are open: at the cap a new connection evicts the
//!   longest-idle one, and when every connection is busy it waits up to [`ADMIT_WAIT`] for a slot
//!   and is then refused (closed).

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

/// How long a new connection waits for a slot when all are busy before it is closed.
pub const ADMIT_WAIT: Duration = Duration::from_secs(1);

/// Timeouts and the connection cap of [`crate::Server`]. `Default` suits a local sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request head must be read within this (HTTP/1, hyper's `header_read_timeout`).
    pub header_read_timeout: Duration,
    /// A connection with no request in progress is closed after this long.
    pub idle_timeout: Duration,
    /// A request body must be fully read within this long after its head.
    pub body_timeout: Duration,
    /// Open connections at most (at least 1).
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 256,
        }
    }
}

/// The open connections.
pub(crate) struct Connections {
    limits: ServerLimits,
    open: Mutex<Registry>,
    /// A connection ended (its slot is free).
    freed: Notify,
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    conns: HashMap<u64, Arc<ConnState>>,
}

/// One connection's activity.
pub(crate) struct ConnState {
    activity: Mutex<Activity>,
    changed: Notify,
    evicted: AtomicBool,
    evict: Notify,
}

struct Activity {
    in_flight: usize,
    idle_since: Instant,
}

impl Connections {
    pub(crate) fn new(limits: ServerLimits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            open: Mutex::default(),
            freed: Notify::new(),
        })
    }

    pub(crate) fn limits(&self) -> &ServerLimits {
        &self.limits
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for a new connection, evicting the longest-idle one at the cap; `None` when every
    /// connection stayed busy for [`ADMIT_WAIT`].
    pub(crate) async fn admit(self: &Arc<Self>) -> Option<Slot> {
        let deadline = Instant::now() + ADMIT_WAIT;
        loop {
            {
                let mut reg = self.registry();
                if reg.conns.len() < self.limits.max_connections.max(1) {
                    let id = reg.next_id;
                    reg.next_id += 1;
                    let state = Arc::new(ConnState {
                        activity: Mutex::new(Activity {
                            in_flight: 0,
                            idle_since: Instant::now(),
                        }),
                        changed: Notify::new(),
                        evicted: AtomicBool::new(false),
                        evict: Notify::new(),
                    });
                    reg.conns.insert(id, state.clone());
                    return Some(Slot {
                        id,
                        state,
                        conns: self.clone(),
                    });
                }
                let already_evicting = reg.conns.values().any(|c| c.evicted.load(Ordering::SeqCst));
                if !already_evicting
                    && let Some(victim) = reg
                        .conns
                        .values()
                        .filter_map(|c| c.idle_since().map(|since| (since, c)))
                        .min_by_key(|(since, _)| *since)
                        .map(|(_, c)| c.clone())
                {
                    tracing::debug!("sandbox at its connection cap: closing the longest-idle one");
                    victim.evicted.store(true, Ordering::SeqCst);
                    victim.evict.notify_one();
                }
            }
            if tokio::time::timeout_at(deadline, self.freed.notified())
                .await
                .is_err()
            {
                tracing::debug!("sandbox at its connection cap and all busy: refusing one");
                return None;
            }
        }
    }
}

/// A connection's place in [`Connections`]; freed when dropped.
pub(crate) struct Slot {
    id: u64,
    state: Arc<ConnState>,
    conns: Arc<Connections>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.conns.registry().conns.remove(&self.id);
        self.conns.freed.notify_one();
    }
}

impl Slot {
    pub(crate) fn state(&self) -> Arc<ConnState> {
        self.state.clone()
    }

    /// Resolves when the connection should be closed: idle for `idle_timeout`, or evicted.
    pub(crate) async fn expired(&self, idle_timeout: Duration) {
        let state = &self.state;
        let idle = async {
            loop {
                let Some(since) = state.idle_since() else {
                    state.changed.notified().await;
                    continue;
                };
                let deadline = since + idle_timeout;
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {
                        if state.idle_since() == Some(since) {
                            return;
                        }
                    }
                    () = state.changed.notified() => {}
                }
            }
        };
        tokio::select! {
            () = idle => tracing::trace!("sandbox closed an idle connection"),
            () = state.evict.notified() => {}
        }
    }
}

impl ConnState {
    /// When the connection became idle, or `None` while a request is in progress.
    fn idle_since(&self) -> Option<Instant> {
        let a = self.activity.lock().unwrap_or_else(|e| e.into_inner());
        (a.in_flight == 0).then_some(a.idle_since)
    }

    /// A request started; it ends when the guard (kept until the response body is sent) drops.
    pub(crate) fn begin(self: &Arc<Self>) -> RequestGuard {
        self.activity
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .in_flight += 1;
        self.changed.notify_one();
        RequestGuard(self.clone())
    }
}

pub(crate) struct RequestGuard(Arc<ConnState>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut a = self.0.activity.lock().unwrap_or_else(|e| e.into_inner());
        a.in_flight = a.in_flight.saturating_sub(1);
        a.idle_since = Instant::now();
        drop(a);
        self.0.changed.notify_one();
    }
}

/// A response body that keeps its request counted as in progress until it is sent (dropped).
pub(crate) struct Tracked<B> {
    pub(crate) inner: B,
    pub(crate) _guard: RequestGuard,
}

impl<B: HttpBody + Unpin> HttpBody for Tracked<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body that fails once its deadline passes before it has been read to the end.
pub(crate) struct Timed<B> {
    inner: B,
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
}

impl<B> Timed<B> {
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            timeout,
        }
    }
}

#[derive(Debug)]
pub(crate) struct BodyTimeout(Duration);

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "request body not received within {:?}", self.0)
    }
}

impl std::error::Error for BodyTimeout {}

impl<B> HttpBody for Timed<B>
where
    B: HttpBody + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = B::Data;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|r| r.map_err(Into::into)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout(self.timeout))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
