//! A SOCKS5 proxy (RFC 1928, with the username/password login of RFC 1929)
//! on a free local port: what a shop uses where Telegram is throttled. It
//! counts the tunnels it opened and where to, and can be stopped.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Socks5 {
    addr: SocketAddr,
    login: Option<(String, String)>,
    tunnels: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Socks5 {
    /// Starts the proxy; with `login`, clients must give that user and password.
    pub async fn start(login: Option<(&str, &str)>) -> Socks5 {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().expect("the proxy's address");
        let login = login.map(|(u, p)| (u.to_owned(), p.to_owned()));
        let tunnels = Arc::new(Mutex::new(Vec::new()));
        let (wanted, opened) = (login.clone(), tunnels.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (wanted, opened) = (wanted.clone(), opened.clone());
                tokio::spawn(async move {
                    if let Err(e) = tunnel(client, wanted.as_ref(), &opened).await {
                        tracing::debug!(error = %e, "the proxy dropped a client");
                    }
                });
            }
        });
        Socks5 {
            addr,
            login,
            tunnels,
            task,
        }
    }

    /// `socks5://[user:password@]127.0.0.1:port`.
    pub fn url(&self) -> String {
        match &self.login {
            Some((user, password)) => format!("socks5://{user}:{password}@{}", self.addr),
            None => format!("socks5://{}", self.addr),
        }
    }

    /// The same proxy with another password.
    pub fn url_with_password(&self, password: &str) -> String {
        let user = self
            .login
            .as_ref()
            .map(|(u, _)| u.as_str())
            .unwrap_or("user");
        format!("socks5://{user}:{password}@{}", self.addr)
    }

    /// Where the tunnels opened so far led (`host:port`).
    pub fn tunnels(&self) -> Vec<String> {
        self.tunnels.lock().expect("the tunnels").clone()
    }

    /// Stops accepting: new connections are refused.
    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Socks5 {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn tunnel(
    mut client: TcpStream,
    login: Option<&(String, String)>,
    opened: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    // Greeting: version 5, the methods the client offers.
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await?;
    let method = if login.is_some() { 0x02 } else { 0x00 };
    if head[0] != 5 || !methods.contains(&method) {
        client.write_all(&[5, 0xFF]).await?;
        return Ok(());
    }
    client.write_all(&[5, method]).await?;
    if let Some((user, password)) = login {
        let mut version = [0u8; 2];
        client.read_exact(&mut version).await?;
        let mut given_user = vec![0u8; usize::from(version[1])];
        client.read_exact(&mut given_user).await?;
        let mut length = [0u8; 1];
        client.read_exact(&mut length).await?;
        let mut given_password = vec![0u8; usize::from(length[0])];
        client.read_exact(&mut given_password).await?;
        let good = given_user == user.as_bytes() && given_password == password.as_bytes();
        client.write_all(&[1, if good { 0 } else { 1 }]).await?;
        if !good {
            return Ok(());
        }
    }
    // The request: CONNECT to an IPv4 address, a name or an IPv6 address.
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut length = [0u8; 1];
            client.read_exact(&mut length).await?;
            let mut name = vec![0u8; usize::from(length[0])];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
        _ => return Ok(()),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).await?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    if request[1] != 1 {
        // Only CONNECT.
        client.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    }
    let Ok(mut upstream) = TcpStream::connect(&target).await else {
        client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    opened.lock().expect("the tunnels").push(target);
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
