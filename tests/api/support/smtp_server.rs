//! A real SMTP server for the mail tests: mailin's SMTP state machine (the protocol side of
//! mailin-embedded) behind a tokio listener on 127.0.0.1, capturing every accepted message.
//! It refuses recipients whose address starts with `refuse-me` (550, quoting the address, as
//! real servers do).

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use mailin::{Action, Handler, Response, SessionBuilder};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// One message the server accepted.
#[derive(Clone, Debug)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The message as transmitted, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
}

impl Received {
    /// The message parsed as MIME.
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("the message parses as MIME")
    }

    /// Its Message-ID header, with the angle brackets.
    pub fn message_id(&self) -> String {
        format!(
            "<{}>",
            self.parsed().message_id().expect("a Message-ID header")
        )
    }
}

/// A running server; dropping it (or [`SmtpServer::stop`]) closes the port.
pub struct SmtpServer {
    pub port: u16,
    received: mpsc::UnboundedReceiver<Received>,
    accept: JoinHandle<()>,
}

impl SmtpServer {
    /// A server on a free port.
    pub async fn start() -> Self {
        Self::listen(TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
    }

    /// A server on `port` (one that was closed until now).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the closed port can be bound again");
        Self::listen(listener).await
    }

    async fn listen(listener: TcpListener) -> Self {
        let port = listener.local_addr().expect("address").port();
        let (tx, received) = mpsc::unbounded_channel();
        let accept = tokio::spawn(async move {
            // Owned by this task: aborting it drops the set, which ends every session.
            let mut sessions = tokio::task::JoinSet::new();
            while let Ok((stream, peer)) = listener.accept().await {
                sessions.spawn(session(stream, peer.ip(), tx.clone()));
            }
        });
        Self {
            port,
            received,
            accept,
        }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message, waiting up to 30 seconds for it.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(30), self.received.recv())
            .await
            .expect("a message arrives within 30 s")
            .expect("the server is running")
    }

    /// Every message received so far, without waiting. A sender's pass returns only after
    /// the server answered the end of each message's data, so after a pass this is all.
    pub fn drain(&mut self) -> Vec<Received> {
        let mut all = Vec::new();
        while let Ok(message) = self.received.try_recv() {
            all.push(message);
        }
        all
    }

    /// Stops listening and ends every open session.
    pub fn stop(self) {
        self.accept.abort();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// A port nothing listens on (bound, then closed again).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Counts how often each Message-ID arrived.
pub fn message_id_counts(messages: &[Received]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for message in messages {
        *counts.entry(message.message_id()).or_insert(0) += 1;
    }
    counts
}

struct Capture {
    tx: mpsc::UnboundedSender<Received>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Capture {
    fn rcpt(&mut self, to: &str) -> Response {
        if to.starts_with("refuse-me") {
            return Response::custom(550, format!("5.1.1 <{to}>: no such user here"));
        }
        mailin::response::OK
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        mailin::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let _ = self.tx.send(Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        mailin::response::OK
    }
}

async fn session(stream: TcpStream, peer: IpAddr, tx: mpsc::UnboundedSender<Received>) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let capture = Capture {
        tx,
        from: String::new(),
        to: Vec::new(),
        data: Vec::new(),
    };
    let mut session = SessionBuilder::new("smtp.test").build(peer, capture);
    let Ok(greeting) = session.greeting().buffer() else {
        return;
    };
    if write.write_all(&greeting).await.is_err() {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        match read.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let response = session.process(&line);
        let close = match response.action {
            Action::NoReply => continue,
            Action::Reply => false,
            Action::Close | Action::UpgradeTls => true,
        };
        let Ok(bytes) = response.buffer() else {
            return;
        };
        if write.write_all(&bytes).await.is_err() || close {
            return;
        }
    }
}
