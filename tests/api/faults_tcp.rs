//! A raw TCP "marketplace" for the faults wiremock cannot make: a connection reset after
//! the request was read, and a response whose headers come at once but whose body
//! trickles in. Connections are served in order from a script of behaviours; once the
//! script is used up, every request gets a plain 200 JSON answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Read the request, then close with RST (SO_LINGER 0): "connection reset by peer".
    Reset,
    /// Send a 200's headers announcing `bytes` of body, then one byte every `every`.
    Trickle { every: Duration, bytes: usize },
}

pub struct FaultServer {
    url: String,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultServer {
    pub async fn start(script: Vec<Behaviour>) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (counter, script) = (counter.clone(), script.clone());
                tokio::spawn(serve(stream, counter, script));
            }
        });
        FaultServer {
            url,
            requests,
            task,
        }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Requests read so far, faulty ones included.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves the requests of one (keep-alive) connection.
async fn serve(mut stream: TcpStream, counter: Arc<AtomicUsize>, script: Vec<Behaviour>) {
    while read_request(&mut stream).await {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        match script.get(n) {
            Some(Behaviour::Reset) => {
                // A zero linger sends RST at once; it never blocks the drop.
                #[allow(deprecated)]
                let _ = stream.set_linger(Some(Duration::ZERO));
                return;
            }
            Some(Behaviour::Trickle { every, bytes }) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {bytes}\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..*bytes {
                    tokio::time::sleep(*every).await;
                    if stream.write_all(b" ").await.is_err() {
                        return;
                    }
                }
                return;
            }
            None => {
                let body = r#"{"data":{}}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(answer.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Reads one request (headers and a Content-Length body); false at end of stream.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = find(&data, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
