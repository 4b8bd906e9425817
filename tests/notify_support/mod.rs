//! A loopback webhook receiver for the notification tests: records every request (path,
//! authorization header, JSON body) and answers 200, answers 500, or never answers (hangs).
// A plain thread per connection (no actix worker to block); the hang is a blocking read.
#![allow(
    dead_code,
    missing_docs,
    clippy::unwrap_used,
    clippy::disallowed_methods
)]

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// How the receiver answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Ok,
    Fail500,
    Hang,
}

/// One received request.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

pub struct Receiver {
    pub base: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(answer: Answer) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = got.clone();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                let sink = sink.clone();
                std::thread::spawn(move || serve(s, answer, &sink));
            }
        });
        Self { base, got }
    }

    pub fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Bodies received on `path`.
    pub fn bodies(&self, path: &str) -> Vec<Value> {
        self.all()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| r.body)
            .collect()
    }
}

/// Serves requests on one (keep-alive) connection.
fn serve(s: TcpStream, answer: Answer, sink: &Mutex<Vec<Received>>) {
    let mut out = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
        let (mut len, mut authorization) = (0usize, None);
        loop {
            let mut h = String::new();
            if r.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap_or((h, ""));
            match k.to_ascii_lowercase().as_str() {
                "content-length" => len = v.trim().parse().unwrap_or(0),
                "authorization" => authorization = Some(v.trim().to_owned()),
                _ => {}
            }
        }
        let mut body = vec![0; len];
        if r.read_exact(&mut body).is_err() {
            return;
        }
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        sink.lock().unwrap().push(Received {
            path,
            authorization,
            body,
        });
        let reply: &[u8] = match answer {
            Answer::Ok => b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
            Answer::Fail500 => {
                b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\nboom"
            }
            Answer::Hang => {
                // Never answer: hold the connection until the client gives up.
                let _ = r.read_to_end(&mut Vec::new());
                return;
            }
        };
        if out.write_all(reply).is_err() {
            return;
        }
    }
}
