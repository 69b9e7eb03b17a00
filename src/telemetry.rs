//! Logging and metrics. Requests are recorded by route template (`/r/{token}`), never by raw
//! path: paths carry card tokens. No IP address, user agent or query string is ever logged.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument as _;

/// Installs the global subscriber. Database drivers are held at `warn` whatever the filter
/// says, because their debug output contains statement parameters (tokens, query-code hashes).
/// The server logs to stdout (its stream of record); a one-shot command logs to stderr, so
/// that what it prints on stdout stays its result.
pub fn init(filter: &str, serving: bool) {
    let filter = format!(
        "{filter},sqlx=warn,sea_orm=warn,sea_orm_migration=warn,hyper=warn,hyper_util=warn,\
         axum::serve=warn,tower=warn,h2=warn,mio=warn,tokio=warn,runtime=warn"
    );
    let env_filter = tracing_subscriber::EnvFilter::try_new(&filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // A span's closing line carries its fields (a request's route and status, a tick's day):
    // one line per request, per tick and per send pass.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(env_filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_target(false);
    let _ = if serving {
        builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .try_init()
    } else {
        builder
            .with_writer(std::io::stderr)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init()
    };
}

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct RouteStats {
    statuses: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counts and latencies per (method, route template).
#[derive(Default)]
pub struct Metrics {
    routes: Mutex<BTreeMap<(String, String), RouteStats>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else {
            return;
        };
        let stats = routes
            .entry((method.to_string(), route.to_string()))
            .or_default();
        *stats.statuses.entry(status).or_default() += 1;
        stats.count += 1;
        stats.sum += seconds;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                stats.buckets[i] += 1;
            }
        }
    }

    /// Counts a request that matched no route (recorded under one label, never its path).
    pub fn record_unmatched(&self, status: u16) {
        self.record("ANY", "(unmatched)", status, 0.0);
    }

    /// The Prometheus text exposition of everything recorded.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP jianduka_http_requests_total HTTP requests by route template and status.\n",
        );
        out.push_str("# TYPE jianduka_http_requests_total counter\n");
        let Ok(routes) = self.routes.lock() else {
            return out;
        };
        for ((method, route), stats) in routes.iter() {
            for (status, n) in &stats.statuses {
                let _ = writeln!(
                    out,
                    "jianduka_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP jianduka_http_request_duration_seconds HTTP request latency by route template.\n");
        out.push_str("# TYPE jianduka_http_request_duration_seconds histogram\n");
        for ((method, route), stats) in routes.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "jianduka_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    stats.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "jianduka_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                stats.count
            );
            let _ = writeln!(
                out,
                "jianduka_http_request_duration_seconds_sum{{{labels}}} {}",
                stats.sum
            );
            let _ = writeln!(
                out,
                "jianduka_http_request_duration_seconds_count{{{labels}}} {}",
                stats.count
            );
        }
        out
    }
}

/// Runs each request in a span named by its method and route template (never the raw path,
/// the query, the client's address or a header), records its status and latency on the span,
/// and counts it. Everything the request logs carries the span; its closing line is the
/// request's one log line.
pub async fn track_requests(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = method_label(request.method()).to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".to_string());
    let span = tracing::info_span!(
        "request",
        method = %method,
        route = %route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    );
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    metrics.record(&method, &route, status, elapsed.as_secs_f64());
    span.record("status", status);
    span.record(
        "latency_ms",
        (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
    );
    response
}

/// The method as a metric label: the standard ones by name, anything a client made up as
/// `OTHER`, so that labels stay a small fixed set.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// `GET /metrics`.
pub async fn metrics_handler(State(metrics): State<std::sync::Arc<Metrics>>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_up_methods_fold_into_one_label() {
        for made_up in ["FOO", "BREW", "X-1"] {
            let method = axum::http::Method::from_bytes(made_up.as_bytes()).expect("a token");
            assert_eq!(method_label(&method), "OTHER");
        }
        assert_eq!(method_label(&axum::http::Method::POST), "POST");
    }

    #[test]
    fn metrics_are_labelled_by_route_template() {
        let m = Metrics::default();
        m.record("GET", "/r/{token}", 200, 0.003);
        m.record("GET", "/r/{token}", 200, 0.2);
        let text = m.render();
        assert!(text.contains(
            "jianduka_http_requests_total{method=\"GET\",route=\"/r/{token}\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("_count{method=\"GET\",route=\"/r/{token}\"} 2"));
    }
}
