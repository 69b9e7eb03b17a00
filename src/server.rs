//! Serving HTTP connections with the limits a public server needs, which `axum::serve` does
//! not expose: at most `max_connections` connections at once (further ones wait in the
//! kernel's backlog, costing no file descriptor), a deadline for each request's headers
//! (which also closes a keep-alive connection that sends nothing), a deadline for each
//! request's body, and graceful shutdown. The peer address goes to the handlers as
//! `ConnectInfo` for the in-memory limits only; nothing here logs it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::Stream;

use crate::error::AppError;

/// How long shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The connection limits of one listener.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` until `shutdown` completes, then lets the requests in
/// flight finish (for at most half a minute).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // back off briefly instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(ConnectInfo(peer));
            let mut router = router.clone();
            async move { tower_service::Service::call(&mut router, request).await }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .keep_alive(true)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // Closed by the client, timed out, malformed: none of it is the server's error.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await;
}

/// Gives each request body `limit` to arrive in full; a slower one ends in an error, which the
/// handler answers as a bad request, and the connection is closed.
pub async fn body_deadline(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let timed = Deadline {
        inner: body.into_data_stream(),
        expires: Box::pin(tokio::time::sleep(limit)),
    };
    next.run(Request::from_parts(parts, Body::from_stream(timed)))
        .await
}

struct Deadline<S> {
    inner: S,
    expires: Pin<Box<tokio::time::Sleep>>,
}

impl<S> Stream for Deadline<S>
where
    S: Stream<Item = Result<Bytes, axum::Error>> + Unpin,
{
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expires.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))));
        }
        Pin::new(&mut self.inner)
            .poll_next(cx)
            .map(|item| item.map(|chunk| chunk.map_err(std::io::Error::other)))
    }
}

/// Requests of one class (public pages, staff pages, the API) handled at once.
#[derive(Clone, Debug)]
pub struct InFlight(Arc<Semaphore>);

impl InFlight {
    /// At most `limit` at once.
    pub fn new(limit: u32) -> Self {
        Self(Arc::new(Semaphore::new(limit.max(1) as usize)))
    }
}

/// Answers a quick 503 when the class is full, instead of queueing without bound.
pub async fn limit_in_flight(
    State(slots): State<InFlight>,
    request: Request,
    next: Next,
) -> Response {
    let Ok(_slot) = slots.0.clone().try_acquire_owned() else {
        return AppError::busy().into_response();
    };
    next.run(request).await
}

/// Raises this process's open-file soft limit to its hard limit, so that the connection cap,
/// not the descriptor table, is what a flood of connections meets first. Returns the limit.
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<libc::rlim_t> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    Some(limit.rlim_cur)
}

/// Keeps large memory blocks (argon2's 19 MB per check, image decode buffers) returnable:
/// glibc raises its mmap threshold after the first large block is freed and then serves the
/// next ones from arenas that grow by ~19 MB a login without giving memory back. A fixed
/// threshold turns that adjustment off, so each large block is mapped and unmapped.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_large_blocks_returnable() {
    // SAFETY: mallopt only sets an allocator parameter; 128 KiB is glibc's own default.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

/// Other allocators need nothing.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_large_blocks_returnable() {}

/// Elsewhere there is nothing to raise.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}

/// The pause between two passes of a background loop: waits `every`, and answers false as
/// soon as `stop` reads true or its sender is gone (then the loop ends).
pub async fn pause(
    every: std::time::Duration,
    stop: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => return !*stop.borrow(),
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return false;
                }
            }
        }
    }
}
