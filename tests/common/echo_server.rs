//! A misbehaving Webex look-alike: empty lists for reads, and for every write a 400 whose body
//! echoes the request's headers (Authorization included), as some proxies and servers do.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

pub struct Echo {
    pub url: String,
}

pub fn start() -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut stream = stream;
                loop {
                    let mut head = Vec::new();
                    let mut line = String::new();
                    let mut length = 0usize;
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        head.push(line.trim_end().to_string());
                    }
                    let mut body = vec![0; length];
                    let _ = reader.read_exact(&mut body);
                    let request = head.first().cloned().unwrap_or_default();
                    let (status, answer) = if request.starts_with("GET") {
                        let wrapper = ["trunks", "routeGroups", "dialPlans", "schedules"]
                            .into_iter()
                            .find(|w| request.to_lowercase().contains(&w.to_lowercase()))
                            .unwrap_or("items");
                        ("200 OK", format!("{{\"{wrapper}\": []}}"))
                    } else {
                        let echoed = serde_json::to_string(&head.join("\n")).unwrap_or_default();
                        ("400 Bad Request", format!("{{\"message\": {echoed}}}"))
                    };
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if stream.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    Echo { url }
}
