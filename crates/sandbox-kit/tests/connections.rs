//! Idle and slow connections cannot starve real clients: they are timed out, and at the
//! connection cap the longest-idle one makes room for a new one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use switchboard_sandbox_kit::{Server, ServerLimits, StateFile, Store};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

#[derive(serde::Serialize, serde::Deserialize)]
struct Empty {
    schema_version: u32,
}

impl StateFile for Empty {
    const SCHEMA_VERSION: u32 = 1;
}

async fn launch(limits: ServerLimits) -> Server<Empty> {
    let store = Arc::new(Store::in_memory(Empty { schema_version: 1 }));
    let app = Router::new()
        .route("/ping", get(|| async { "pong" }))
        .route("/echo", post(|body: String| async move { body }));
    Server::launch_with("127.0.0.1:0".parse().unwrap(), app, store, limits)
        .await
        .unwrap()
}

async fn open_idle(server: &Server<Empty>, n: usize) -> Vec<TcpStream> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        conns.push(TcpStream::connect(server.addr()).await.unwrap());
    }
    conns
}

/// A few clients that send half a request line, one byte at a time.
fn slowloris(server: &Server<Empty>, n: usize) -> Vec<tokio::task::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let addr = server.addr();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                for byte in b"GET /ping HT" {
                    if stream.write_all(&[*byte]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
                // Never finishes the head; keep the socket open.
                tokio::time::sleep(Duration::from_secs(30)).await;
            })
        })
        .collect()
}

async fn real_request(server: &Server<Empty>) -> Duration {
    let started = Instant::now();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let response = client
        .get(format!("{}/ping", server.origin()))
        .send()
        .await
        .expect("a real client is answered within 2 s");
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "pong");
    started.elapsed()
}

/// Reads until EOF (or a reset): the server closed the connection within `within`.
async fn closed_by_server(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idle_and_slow_connections_are_timed_out_and_do_not_starve_clients() {
    let limits = ServerLimits {
        header_read_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        max_connections: 256,
    };
    let server = launch(limits).await;
    let mut idle = open_idle(&server, 300).await;
    let slow = slowloris(&server, 5);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let took = real_request(&server).await;
    assert!(took < Duration::from_secs(2), "took {took:?}");

    // Every idle connection is closed by the server after the idle timeout.
    for stream in &mut idle {
        assert!(closed_by_server(stream, Duration::from_secs(3)).await);
    }
    // And the slow ones too (they are still trickling their head when it fires).
    for task in slow {
        task.abort();
    }
    real_request(&server).await;
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn slow_head_is_cut_off() {
    let server = launch(ServerLimits {
        header_read_timeout: Duration::from_millis(500),
        idle_timeout: Duration::from_secs(1),
        ..ServerLimits::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let started = Instant::now();
    let mut closed = false;
    for byte in b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa" {
        if stream.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(closed || closed_by_server(&mut stream, Duration::from_secs(3)).await);
    assert!(started.elapsed() < Duration::from_secs(4));
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn at_the_cap_with_default_timeouts_idle_connections_make_room() {
    // Default (30 s) timeouts: only the cap's eviction can serve the real client in time.
    let server = launch(ServerLimits::default()).await;
    let _idle = open_idle(&server, 300).await;
    let _slow = slowloris(&server, 5);
    tokio::time::sleep(Duration::from_millis(200)).await;
    for _ in 0..3 {
        let took = real_request(&server).await;
        assert!(took < Duration::from_secs(2), "took {took:?}");
    }
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_body_that_never_arrives_is_timed_out() {
    let server = launch(ServerLimits {
        body_timeout: Duration::from_millis(500),
        ..ServerLimits::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        .await
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "took {took:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
        "{answer}"
    );
    server.shutdown().await.unwrap();
}
