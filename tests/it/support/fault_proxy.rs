//! A fault-injecting HTTP/1.1 proxy between the scanner and LocalStack.
//!
//! It answers a chosen share of requests with a fault instead of forwarding them:
//! throttling (in each protocol's own error format, so the SDK classifies it as
//! throttling and its adaptive retry slows down), HTTP 500s, slow responses (forwarded
//! after a delay) and dropped connections (closed without an answer). Requests naming a
//! chosen resource are always answered with AccessDenied. Every request is recorded as
//! `(service, operation)`, which is what proves the scanner read-only. In front of moto's
//! server it can add `x-moto-account-id` to every request, so a test holds an account
//! (and an organization) of its own on a shared server.
//!
//! Faults are picked from a counter, not a random generator: request number `n` gets the
//! fault in whose band `frac(n * golden ratio)` falls. The bands have exactly the chosen
//! widths, so the shares are exact over any run, neighbouring requests rarely share a
//! fault, and two runs of the same test fault the same request numbers.
//!
//! Built on hyper 0.14 (server and client), which the AWS SDK already compiles with the
//! `server`, `client`, `http1` and `tcp` features. hyper 1's `server` feature is not in
//! the dependency tree: enabling it would change hyper 1's features and rebuild the whole
//! AWS SDK for every test build.
//!
//! A module of the integration-test binary, and included with
//! `#[path = "../tests/it/support/fault_proxy.rs"] mod fault_proxy;` from `examples/`.

// Each including crate uses a different subset of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::body::Bytes;
use hyper::http;
use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Request, Response, StatusCode};

/// What to do to the requests passing through.
#[derive(Debug, Clone, Default)]
pub struct FaultPlan {
    /// Share (0..=1) of requests answered with a throttling error.
    pub throttle: f64,
    /// Share answered with HTTP 500.
    pub server_error: f64,
    /// Share forwarded after [`FaultPlan::slow_delay`].
    pub slow: f64,
    /// Share whose connection is closed without an answer.
    pub drop_connection: f64,
    pub slow_delay: Duration,
    /// Resource names (queue, bucket, topic, role...) whose requests always get
    /// AccessDenied. A name matches where it stands whole in the request path, query or
    /// body (not as a prefix of a longer name).
    pub deny: Vec<String>,
    /// Where the fault sequence starts; tests vary it to fault other request numbers.
    pub seed: u64,
    /// Throttle like AWS does: each service accepts this many requests per second
    /// (token bucket, burst of one second's worth) and throttles the rest. Unlike the
    /// shares above, this throttling stops when the client slows down.
    pub rate_limit: Option<f64>,
    /// Services (SigV4 signing names: `iam`, `sts`) whose requests never get the
    /// shared faults above, so a test can slow every service but one.
    pub spared_services: Vec<String>,
    /// Operations (`GetQueueAttributes`, `ListKeys`) always answered with HTTP 200 and
    /// an empty body, as a broken proxy or a truncating middlebox might.
    pub empty_body: Vec<String>,
    /// Operations always answered with HTTP 200 and this body (`{}`, an HTML
    /// page), as a broken or impersonating endpoint might: `(operation, content
    /// type, body)`.
    pub answer: Vec<(String, String, String)>,
    /// Services answered by the proxy itself instead of the upstream: for APIs neither
    /// open-source LocalStack nor moto's server serves, so the scanner's use of them can
    /// still be tested end to end. Only the Account API's ListRegions is left (moto
    /// 5.2.5 serves only its alternate-contact operations); Organizations is moto's.
    pub canned: Vec<Canned>,
    /// Headers added to every forwarded request. moto's server answers a request
    /// carrying `x-moto-account-id` as that account (its multi-account header), so a
    /// test can seed and scan an organization of its own on a shared server.
    pub add_headers: Vec<(String, String)>,
}

/// A fixed successful answer to every request signed for `service`.
#[derive(Debug, Clone)]
pub struct Canned {
    /// The SigV4 signing name (`account`).
    pub service: String,
    pub content_type: String,
    pub body: String,
}

impl FaultPlan {
    /// Forward everything untouched (the benchmark's counting proxy).
    pub fn pass_through() -> Self {
        FaultPlan::default()
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    Throttle,
    ServerError,
    Slow,
    DropConnection,
    AccessDenied,
    EmptyBody,
    /// An [`FaultPlan::answer`] body.
    Answered,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The SigV4 signing name (`sqs`, `s3`, `iam`...), or `?` for an unsigned request.
    pub service: String,
    /// The API operation (`ListQueues`), or `METHOD /path` for a REST call this proxy
    /// does not recognise (which then fails any read-only check).
    pub operation: String,
    pub method: String,
    pub fault: Option<Fault>,
}

struct State {
    upstream: String,
    plan: Mutex<FaultPlan>,
    counter: AtomicU64,
    log: Mutex<Vec<Recorded>>,
    client: hyper::Client<hyper::client::HttpConnector>,
    /// Per service: tokens left and when they were last refilled ([`FaultPlan::rate_limit`]).
    buckets: Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>,
}

/// A running proxy. It runs on its own thread and runtime, so synchronous tests and
/// async programs can both use it; dropping it stops it.
pub struct FaultProxy {
    pub addr: SocketAddr,
    state: Arc<State>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Listens on 127.0.0.1 (an ephemeral port) and forwards to `upstream`
    /// (`http://127.0.0.1:4566`).
    pub fn start(upstream: &str, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        Self::start_on("127.0.0.1:0", upstream, plan)
    }

    pub fn start_on(listen: &str, upstream: &str, plan: FaultPlan) -> std::io::Result<FaultProxy> {
        let listener = TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let mut connector = hyper::client::HttpConnector::new();
        connector.set_nodelay(true);
        let state = Arc::new(State {
            upstream: upstream.trim_end_matches('/').to_string(),
            plan: Mutex::new(plan),
            counter: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
            buckets: Mutex::new(std::collections::HashMap::new()),
            client: hyper::Client::builder()
                .pool_max_idle_per_host(256)
                .build(connector),
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let thread_state = state.clone();
        let thread = std::thread::Builder::new()
            .name("fault-proxy".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let builder = match hyper::Server::from_tcp(listener) {
                        Ok(b) => b,
                        Err(e) => {
                            let _ = ready_tx.send(Err(std::io::Error::other(e)));
                            return;
                        }
                    };
                    let make = make_service_fn(move |_conn| {
                        let state = thread_state.clone();
                        async move {
                            Ok::<_, Infallible>(service_fn(move |req| handle(state.clone(), req)))
                        }
                    });
                    let server = builder
                        .http1_only(true)
                        .tcp_nodelay(true)
                        .serve(make)
                        .with_graceful_shutdown(async {
                            let _ = rx.await;
                        });
                    let _ = ready_tx.send(Ok(()));
                    let _ = server.await;
                });
            })?;
        ready_rx
            .recv()
            .map_err(|_| std::io::Error::other("fault proxy thread died"))??;
        Ok(FaultProxy {
            addr,
            state,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:<port>`, for `--endpoint-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the plan for requests from now on.
    pub fn set_plan(&self, plan: FaultPlan) {
        *lock(&self.state.plan) = plan;
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.log).clone()
    }

    /// Forgets the requests recorded so far (the fault counter goes on).
    pub fn clear(&self) {
        lock(&self.state.log).clear();
    }

    /// Requests per `(service, operation)`.
    pub fn counts(&self) -> BTreeMap<(String, String), usize> {
        let mut counts = BTreeMap::new();
        for r in lock(&self.state.log).iter() {
            *counts
                .entry((r.service.clone(), r.operation.clone()))
                .or_insert(0) += 1;
        }
        counts
    }

    /// Requests per injected fault.
    pub fn fault_counts(&self) -> BTreeMap<Fault, usize> {
        let mut counts = BTreeMap::new();
        for f in lock(&self.state.log).iter().filter_map(|r| r.fault) {
            *counts.entry(f).or_insert(0) += 1;
        }
        counts
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A poisoned lock only means a handler panicked; the data is still usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The error returned to hyper to close a connection without answering.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by the fault proxy")
    }
}

impl std::error::Error for Dropped {}

async fn handle(state: Arc<State>, req: Request<Body>) -> Result<Response<Body>, Dropped> {
    let (parts, body) = req.into_parts();
    let body = hyper::body::to_bytes(body).await.unwrap_or_default();
    let service = signing_service(&parts.headers);
    let protocol = Protocol::of(&service, &parts.headers);
    let operation = operation(&service, protocol, &parts, &body);
    let plan = lock(&state.plan).clone();
    if let Some(canned) = plan.canned.iter().find(|c| c.service == service) {
        lock(&state.log).push(Recorded {
            service,
            operation,
            method: parts.method.to_string(),
            fault: None,
        });
        return Ok(Response::builder()
            .status(StatusCode::OK)
            .header(http::header::CONTENT_TYPE, canned.content_type.as_str())
            .body(Body::from(canned.body.clone()))
            .unwrap_or_default());
    }

    let denied = plan
        .deny
        .iter()
        .find(|name| names_resource(&parts.uri.to_string(), &body, name))
        .cloned();
    let fault = if denied.is_some() {
        Some(Fault::AccessDenied)
    } else if plan.empty_body.contains(&operation) {
        Some(Fault::EmptyBody)
    } else if plan.answer.iter().any(|(op, _, _)| *op == operation) {
        Some(Fault::Answered)
    } else if plan.spared_services.contains(&service) {
        None
    } else if plan
        .rate_limit
        .is_some_and(|rate| !take_token(&state, &service, rate))
    {
        Some(Fault::Throttle)
    } else {
        pick_fault(&plan, state.counter.fetch_add(1, Ordering::Relaxed))
    };
    lock(&state.log).push(Recorded {
        service,
        operation: operation.clone(),
        method: parts.method.to_string(),
        fault,
    });

    match fault {
        Some(Fault::AccessDenied) => {
            let name = denied.unwrap_or_default();
            return Ok(protocol.access_denied(&parts.headers, &operation, &name));
        }
        Some(Fault::EmptyBody) => {
            return Ok(Response::builder()
                .status(StatusCode::OK)
                .header("x-amzn-requestid", "fault-proxy")
                .body(Body::empty())
                .unwrap_or_default())
        }
        Some(Fault::Answered) => {
            let (_, content_type, body) = plan
                .answer
                .iter()
                .find(|(op, _, _)| *op == operation)
                .cloned()
                .unwrap_or_default();
            return Ok(Response::builder()
                .status(StatusCode::OK)
                .header("x-amzn-requestid", "fault-proxy")
                .header(http::header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap_or_default());
        }
        Some(Fault::Throttle) => return Ok(protocol.throttling(&parts.headers)),
        Some(Fault::ServerError) => return Ok(protocol.server_error(&parts.headers)),
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::Slow) => tokio::time::sleep(plan.slow_delay).await,
        None => {}
    }
    Ok(forward(&state, parts, body, &plan.add_headers).await)
}

async fn forward(
    state: &State,
    parts: http::request::Parts,
    body: Bytes,
    add_headers: &[(String, String)],
) -> Response<Body> {
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let uri = format!("{}{}", state.upstream, path);
    let mut builder = Request::builder().method(parts.method).uri(uri);
    for (name, value) in &parts.headers {
        builder = builder.header(name, value);
    }
    for (name, value) in add_headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let request = match builder.body(Body::from(body)) {
        Ok(r) => r,
        Err(e) => return plain(StatusCode::BAD_GATEWAY, &format!("bad request: {e}")),
    };
    match state.client.request(request).await {
        Ok(response) => response,
        // The upstream is gone: a 502, which the SDK retries like any 5xx.
        Err(e) => plain(StatusCode::BAD_GATEWAY, &format!("upstream: {e}")),
    }
}

/// Takes one token from `service`'s bucket, refilled at `rate` per second up to `rate`.
fn take_token(state: &State, service: &str, rate: f64) -> bool {
    let now = std::time::Instant::now();
    let mut buckets = lock(&state.buckets);
    let (tokens, last) = buckets.entry(service.to_string()).or_insert((rate, now));
    *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(rate);
    *last = now;
    if *tokens >= 1.0 {
        *tokens -= 1.0;
        true
    } else {
        false
    }
}

/// `frac(n * golden ratio)`, offset by the seed, into the plan's bands.
fn pick_fault(plan: &FaultPlan, n: u64) -> Option<Fault> {
    const PHI: f64 = 0.618_033_988_749_894_9;
    let x = ((n.wrapping_add(plan.seed)) as f64 * PHI).fract();
    let bands = [
        (plan.throttle, Fault::Throttle),
        (plan.server_error, Fault::ServerError),
        (plan.slow, Fault::Slow),
        (plan.drop_connection, Fault::DropConnection),
    ];
    let mut edge = 0.0;
    for (share, fault) in bands {
        edge += share;
        if x < edge {
            return Some(fault);
        }
    }
    None
}

/// Whether `name` stands whole in the request URI or body: the characters around it
/// cannot continue a resource name, so `q` does not match `q-2`.
/// Query-protocol bodies (IAM, STS, SNS) are form-encoded, so `role/Name` arrives
/// as `role%2FName`: the decoded body is searched too.
fn names_resource(uri: &str, body: &[u8], name: &str) -> bool {
    let body = String::from_utf8_lossy(body);
    let decoded = percent_encoding::percent_decode_str(&body).decode_utf8_lossy();
    [uri, body.as_ref(), decoded.as_ref()]
        .iter()
        .any(|text| contains_whole(text, name))
}

fn contains_whole(text: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let continues =
        |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let mut from = 0;
    while let Some(pos) = text[from..].find(name) {
        let start = from + pos;
        let end = start + name.len();
        if !continues(text[..start].chars().next_back()) && !continues(text[end..].chars().next()) {
            return true;
        }
        from = start + 1;
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// The service from the SigV4 credential scope:
/// `Credential=AKID/20261123/us-east-1/sqs/aws4_request`.
fn signing_service(headers: &http::HeaderMap) -> String {
    headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|cred| cred.split('/').nth(3))
        .map(str::to_string)
        .unwrap_or_else(|| "?".to_string())
}

/// How a service encodes requests and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// awsJson 1.0/1.1: `X-Amz-Target` names the operation (SQS, KMS, Secrets Manager,
    /// EventBridge, CloudWatch Logs).
    Json,
    /// awsQuery: a form body with `Action=` (IAM, SNS, STS).
    Query,
    /// S3's REST-XML.
    S3,
    /// restJson1 (Lambda).
    RestJson,
}

impl Protocol {
    fn of(service: &str, headers: &http::HeaderMap) -> Protocol {
        if headers.contains_key("x-amz-target") {
            Protocol::Json
        } else if service == "s3" {
            Protocol::S3
        } else if service == "lambda" {
            Protocol::RestJson
        } else {
            Protocol::Query
        }
    }

    fn throttling(self, headers: &http::HeaderMap) -> Response<Body> {
        match self {
            Protocol::Json => json_error(
                StatusCode::BAD_REQUEST,
                headers,
                "ThrottlingException",
                "Rate exceeded",
            ),
            Protocol::Query => query_error(
                StatusCode::BAD_REQUEST,
                "Sender",
                "Throttling",
                "Rate exceeded",
            ),
            Protocol::S3 => s3_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SlowDown",
                "Please reduce your request rate.",
            ),
            Protocol::RestJson => rest_json_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsException",
                "Rate exceeded",
            ),
        }
    }

    fn server_error(self, headers: &http::HeaderMap) -> Response<Body> {
        let message = "injected by the fault proxy";
        match self {
            Protocol::Json => json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                headers,
                "InternalFailure",
                message,
            ),
            Protocol::Query => query_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Receiver",
                "InternalFailure",
                message,
            ),
            Protocol::S3 => s3_error(StatusCode::INTERNAL_SERVER_ERROR, "InternalError", message),
            Protocol::RestJson => rest_json_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ServiceException",
                message,
            ),
        }
    }

    fn access_denied(
        self,
        headers: &http::HeaderMap,
        operation: &str,
        name: &str,
    ) -> Response<Body> {
        let message = format!(
            "User: arn:aws:iam::000000000000:user/auditor is not authorized to perform: \
             {operation} on resource: {name} (injected by the fault proxy)"
        );
        match self {
            Protocol::Json => json_error(
                StatusCode::BAD_REQUEST,
                headers,
                "AccessDeniedException",
                &message,
            ),
            Protocol::Query => {
                query_error(StatusCode::FORBIDDEN, "Sender", "AccessDenied", &message)
            }
            Protocol::S3 => s3_error(StatusCode::FORBIDDEN, "AccessDenied", &message),
            Protocol::RestJson => {
                rest_json_error(StatusCode::FORBIDDEN, "AccessDeniedException", &message)
            }
        }
    }
}

fn json_error(
    status: StatusCode,
    headers: &http::HeaderMap,
    code: &str,
    message: &str,
) -> Response<Body> {
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/x-amz-json-1.0")
        .to_string();
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    let fault = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, content_type)
        // SQS speaks JSON but is "awsQueryCompatible": the SDK takes the error code from
        // this header when present. Other JSON services ignore it.
        .header("x-amzn-query-error", format!("{code};{fault}"))
        .header("x-amzn-requestid", "fault-proxy")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn query_error(status: StatusCode, kind: &str, code: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message>\
         </Error><RequestId>fault-proxy</RequestId></ErrorResponse>",
        xml_escape(message)
    );
    xml_response(status, body)
}

fn s3_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{}\
         </Message><RequestId>fault-proxy</RequestId></Error>",
        xml_escape(message)
    );
    xml_response(status, body)
}

fn rest_json_error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "Type": "User", "message": message }).to_string();
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-amzn-ErrorType", code)
        .header("x-amzn-requestid", "fault-proxy")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn xml_response(status: StatusCode, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/xml")
        .body(Body::from(body))
        .unwrap_or_default()
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain")
        .body(Body::from(text.to_string()))
        .unwrap_or_default()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The operation a request calls.
fn operation(
    service: &str,
    protocol: Protocol,
    parts: &http::request::Parts,
    body: &[u8],
) -> String {
    if let Some(target) = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        // `AmazonSQS.ListQueues`, `TrentService.GetKeyPolicy`.
        return target.rsplit('.').next().unwrap_or(target).to_string();
    }
    let method = parts.method.as_str();
    let path = parts.uri.path();
    // Smithy RPC v2 CBOR (CloudWatch): `/service/<name>/operation/<operation>`.
    if let Some((_, operation)) = path.split_once("/operation/") {
        return operation.to_string();
    }
    let query = parts.uri.query().unwrap_or("");
    let unknown = || format!("{method} {path}");
    match (protocol, service) {
        (Protocol::S3, _) => {
            if method != "GET" {
                return unknown();
            }
            let keys: Vec<&str> = query
                .split('&')
                .map(|kv| kv.split('=').next().unwrap_or(""))
                .collect();
            let bucket_level = path.trim_matches('/').split('/').count() == 1;
            if path == "/" {
                "ListBuckets".to_string()
            } else if bucket_level && keys.contains(&"policy") {
                "GetBucketPolicy".to_string()
            } else if bucket_level && keys.contains(&"location") {
                "GetBucketLocation".to_string()
            } else if bucket_level && keys.contains(&"notification") {
                "GetBucketNotificationConfiguration".to_string()
            } else {
                unknown()
            }
        }
        (Protocol::RestJson, _) => {
            // /2015-03-31/functions/, /2015-03-31/functions/{name}/policy, ...
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            if method != "GET" || segments.get(1) != Some(&"functions") {
                return unknown();
            }
            match (segments.len(), segments.get(3).copied()) {
                (2, _) => "ListFunctions".to_string(),
                (4, Some("policy")) => "GetPolicy".to_string(),
                (4, Some("versions")) => "ListVersionsByFunction".to_string(),
                (4, Some("aliases")) => "ListAliases".to_string(),
                (3, _) => "GetFunction".to_string(),
                _ => unknown(),
            }
        }
        _ => form_field(body, "Action")
            .or_else(|| form_field(query.as_bytes(), "Action"))
            .unwrap_or_else(unknown),
    }
}

/// A field of an `application/x-www-form-urlencoded` body.
fn form_field(body: &[u8], name: &str) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shares_are_exact_over_a_run() {
        let plan = FaultPlan {
            throttle: 0.3,
            server_error: 0.1,
            slow: 0.05,
            drop_connection: 0.05,
            ..FaultPlan::default()
        };
        let mut counts = BTreeMap::new();
        for n in 0..10_000 {
            *counts.entry(pick_fault(&plan, n)).or_insert(0usize) += 1;
        }
        let share = |f| counts.get(&Some(f)).copied().unwrap_or(0) as f64 / 10_000.0;
        assert!((share(Fault::Throttle) - 0.3).abs() < 0.005, "{counts:?}");
        assert!(
            (share(Fault::ServerError) - 0.1).abs() < 0.005,
            "{counts:?}"
        );
        assert!(
            (share(Fault::DropConnection) - 0.05).abs() < 0.005,
            "{counts:?}"
        );
    }

    #[test]
    fn names_match_whole() {
        assert!(contains_whole(
            "/000000000000/da-q-protected\"",
            "da-q-protected"
        ));
        assert!(!contains_whole(
            "/000000000000/da-q-protected-2",
            "da-q-protected"
        ));
        assert!(!contains_whole("xda-q", "da-q"));
        assert!(contains_whole("/bucket?policy", "bucket"));
    }
}
