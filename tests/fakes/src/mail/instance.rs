//! One Dovecot + Postfix pair's files, configuration, start and stop.

use super::*;
/// The master processes of a running pair.
#[derive(Clone, Copy, Debug)]
pub(super) struct Masters {
    pub(super) dovecot: u32,
    pub(super) postfix: u32,
}

/// Why a start failed: the logs' words, and whether a port was taken (so
/// that trying again may help).
pub(super) struct LaunchError {
    pub(super) port_taken: bool,
    pub(super) detail: String,
}

/// One pair's files and ports; all of its work blocks.
///
/// Layout under `root`: `tls/` (CA and server certificate), `dovecot/`
/// (configuration, users, runtime and state), `mail/` (the users' homes),
/// `postfix/etc`, `postfix/queue`, `postfix/data`, and `log/`.
#[derive(Clone)]
pub(super) struct Instance {
    pub(super) root: PathBuf,
    pub(super) ports: Ports,
    /// Dovecot's LMTP, where Postfix delivers.
    pub(super) lmtp: u16,
    /// Dovecot's authentication service, which Postfix asks for SASL.
    pub(super) auth: u16,
    pub(super) users: BTreeMap<String, String>,
    /// Whether Dovecot offers IDLE.
    pub(super) idle: bool,
}

/// Creates the directories, the certificates and the user lists: everything
/// that does not depend on the ports.
pub(super) fn prepare(root: &Path, users: &BTreeMap<String, String>) {
    // The servers' unprivileged users must reach their directories.
    fs::set_permissions(root, fs::Permissions::from_mode(0o755)).expect("chmod the mail dir");
    for sub in [
        "tls",
        "dovecot",
        "mail",
        "postfix/etc",
        "postfix/queue",
        "postfix/data",
        "log",
    ] {
        fs::create_dir_all(root.join(sub)).expect("mail server directory");
    }
    run("chown", &["mail:mail", path_str(&root.join("mail"))]);
    run("chown", &["postfix", path_str(&root.join("postfix/data"))]);

    let tls = root.join("tls");
    let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc -days 7";
    openssl(
        &tls,
        &format!(
            "req -x509 {key} -keyout ca.key -out ca.pem -subj /CN=tuberry-test-ca \
             -addext basicConstraints=critical,CA:TRUE \
             -addext keyUsage=critical,keyCertSign,cRLSign"
        ),
    );
    openssl(
        &tls,
        &format!(
            "req -x509 -CA ca.pem -CAkey ca.key {key} -keyout server.key -out server.pem \
             -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
             -addext basicConstraints=critical,CA:FALSE -addext extendedKeyUsage=serverAuth"
        ),
    );

    write_users(root, users);

    let mailboxes: String = users.keys().map(|user| format!("{user} ok\n")).collect();
    write_postfix_file(&root.join("postfix/etc/mailboxes"), &mailboxes);
}

/// Dovecot's users and their passwords, readable by Dovecot alone.
pub(super) fn write_users(root: &Path, users: &BTreeMap<String, String>) {
    let passwd = root.join("dovecot/users");
    let lines: String = users
        .iter()
        .map(|(user, password)| format!("{user}:{{PLAIN}}{password}\n"))
        .collect();
    fs::write(&passwd, lines).expect("Dovecot's users");
    run("chgrp", &["dovecot", path_str(&passwd)]);
    fs::set_permissions(&passwd, fs::Permissions::from_mode(0o640)).expect("chmod users");
}

impl Instance {
    /// An instance on ports that were free a moment ago, its configuration
    /// written.
    pub(super) fn new(root: &Path, users: &BTreeMap<String, String>, idle: bool) -> Instance {
        let [
            imap,
            imaps,
            smtp,
            submission,
            submissions,
            submission_plain,
            lmtp,
            auth,
        ] = free_ports();
        let instance = Instance {
            root: root.to_path_buf(),
            ports: Ports {
                imap,
                imaps,
                smtp,
                submission,
                submissions,
                submission_plain,
            },
            lmtp,
            auth,
            users: users.clone(),
            idle,
        };
        instance.write_config();
        instance
    }

    pub(super) fn ca_file(&self) -> PathBuf {
        self.root.join("tls/ca.pem")
    }

    pub(super) fn server_cert_file(&self) -> PathBuf {
        self.root.join("tls/server.pem")
    }

    pub(super) fn dovecot_conf(&self) -> PathBuf {
        self.root.join("dovecot/dovecot.conf")
    }

    pub(super) fn postfix_etc(&self) -> PathBuf {
        self.root.join("postfix/etc")
    }

    pub(super) fn write_config(&self) {
        let root = self.root.display();
        let Ports {
            imap,
            imaps,
            smtp,
            submission,
            submissions,
            submission_plain,
        } = self.ports;
        let (lmtp, auth) = (self.lmtp, self.auth);
        let mut domains: BTreeSet<&str> = DOMAINS.into();
        domains.extend(self.users.keys().filter_map(|user| user.split('@').nth(1)));
        let domains = domains.into_iter().collect::<Vec<_>>().join(" ");
        // Dovecot's own list when IDLE is offered, otherwise the same
        // without IDLE.
        let capability = if self.idle {
            String::new()
        } else {
            format!("imap_capability = {CAPABILITY_WITHOUT_IDLE}\n")
        };

        let dovecot = format!(
            r#"base_dir = {root}/dovecot/run
state_dir = {root}/dovecot/state
instance_name = tuberry-test
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/tls/server.pem
ssl_key = <{root}/tls/server.key
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
auth_failure_delay = 0
first_valid_uid = 8
mail_location = maildir:~/Maildir
{capability}passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/dovecot/users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={root}/mail/%u
}}
protocol imap {{
  mail_max_userip_connections = 100
}}
service imap-login {{
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = {lmtp}
  }}
}}
service auth {{
  inet_listener sasl {{
    port = {auth}
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"#
        );
        fs::write(self.dovecot_conf(), dovecot).expect("dovecot.conf");

        let main_cf = format!(
            r#"compatibility_level = 3.6
queue_directory = {root}/postfix/queue
data_directory = {root}/postfix/data
maillog_file_prefixes = {root}/log
maillog_file = {root}/log/postfix.log
myhostname = localhost
mydomain = localhost
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0
virtual_mailbox_domains = {domains}
virtual_mailbox_maps = texthash:{root}/postfix/etc/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
smtpd_relay_restrictions = reject_unauth_destination
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth}
smtpd_tls_cert_file = {root}/tls/server.pem
smtpd_tls_key_file = {root}/tls/server.key
smtpd_tls_security_level = may
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"#
        );
        write_postfix_file(&self.postfix_etc().join("main.cf"), &main_cf);

        let authenticated = "-o smtpd_sasl_auth_enable=yes \
                             -o smtpd_recipient_restrictions=permit_sasl_authenticated,reject";
        let master_cf = format!(
            r#"127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{submission} inet n - n - - smtpd -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes {authenticated}
127.0.0.1:{submissions} inet n - n - - smtpd -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes {authenticated}
127.0.0.1:{submission_plain} inet n - n - - smtpd -o syslog_name=postfix/submission-plain
  -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no {authenticated}
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
proxywrite unix - - n -     1 proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
local     unix  - n n -     - local
virtual   unix  - n n -     - virtual
lmtp      unix  - - n -     - lmtp
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"#
        );
        write_postfix_file(&self.postfix_etc().join("master.cf"), &master_cf);
    }

    /// Starts Dovecot, then Postfix, and waits until both greet. On failure
    /// nothing is left running.
    pub(super) fn launch(&self) -> Result<Masters, LaunchError> {
        let log_start = self.log_sizes();
        let output = self.root.join("log/start.out");

        let dovecot_pid = self.root.join("dovecot/run/master.pid");
        // A pid file left by a killed master would read as "already running".
        remove_if_present(&dovecot_pid);
        let conf = self.dovecot_conf();
        if let Err(e) = daemon("dovecot", &["-c", path_str(&conf)], &output) {
            return Err(self.launch_error(&e, &log_start));
        }
        let Some(dovecot) = read_pid(&dovecot_pid) else {
            return Err(self.launch_error("Dovecot wrote no master.pid", &log_start));
        };

        let etc = self.postfix_etc();
        if let Err(e) = daemon("postfix", &["-c", path_str(&etc), "start"], &output) {
            let error = self.launch_error(&e, &log_start);
            self.shutdown(Masters {
                dovecot,
                postfix: 0,
            });
            return Err(error);
        }
        let postfix = read_pid(&self.root.join("postfix/queue/pid/master.pid"));
        let masters = Masters {
            dovecot,
            postfix: postfix.unwrap_or(0),
        };
        let greeted = postfix.is_some()
            && greets(self.ports.imap, "* OK", "a LOGOUT\r\n")
            && greets(self.ports.smtp, "220 ", "QUIT\r\n");
        if !greeted {
            let error = self.launch_error("the servers do not greet", &log_start);
            self.shutdown(masters);
            return Err(error);
        }
        Ok(masters)
    }

    pub(super) fn launch_error(&self, what: &str, log_start: &[u64; 3]) -> LaunchError {
        let detail = format!("{what}\n{}", self.log_since(log_start));
        LaunchError {
            port_taken: detail.contains("Address already in use"),
            detail,
        }
    }

    /// Stops both pairs' process families and waits until their ports are
    /// free; `false` when something would not go away.
    pub(super) fn shutdown(&self, masters: Masters) -> bool {
        let masters: Vec<u32> = [masters.dovecot, masters.postfix]
            .into_iter()
            .filter(|&pid| pid != 0)
            .collect();
        let mut family: BTreeSet<u32> = masters.iter().copied().collect();
        family.extend(children(&masters));
        for &pid in &masters {
            signal("TERM", pid);
        }
        // Each master stops its children. Dovecot's log process then lasts
        // until its master exits, a second later: not worth waiting for.
        wait_until(Duration::from_secs(5), || {
            family.extend(children(&masters));
            family
                .iter()
                .all(|&pid| masters.contains(&pid) || !is_alive(pid) || is_dovecot_log(pid))
        });
        family.extend(children(&masters));
        for &pid in &family {
            if is_alive(pid) {
                signal("KILL", pid);
            }
        }
        let gone = wait_until(Duration::from_secs(2), || {
            family.iter().all(|&pid| !is_alive(pid))
        });
        remove_if_present(&self.root.join("dovecot/run/master.pid"));
        let ports = self.all_ports();
        let freed = wait_until(Duration::from_secs(2), || {
            ports
                .iter()
                .all(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        });
        gone && freed
    }

    pub(super) fn all_ports(&self) -> [u16; 8] {
        let p = self.ports;
        [
            p.imap,
            p.imaps,
            p.smtp,
            p.submission,
            p.submissions,
            p.submission_plain,
            self.lmtp,
            self.auth,
        ]
    }

    /// Runs `doveadm` on this instance's configuration, returning its output.
    pub(super) fn doveadm(&self, args: &[&str]) -> String {
        let conf = self.dovecot_conf();
        let output = Command::new("doveadm")
            .args(["-c", path_str(&conf)])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("doveadm runs");
        assert!(
            output.status.success(),
            "doveadm {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The log files: Postfix's, Dovecot's, and the start commands' output.
    pub(super) fn log_files(&self) -> [PathBuf; 3] {
        ["postfix.log", "dovecot.log", "start.out"].map(|name| self.root.join("log").join(name))
    }

    pub(super) fn log_sizes(&self) -> [u64; 3] {
        self.log_files()
            .map(|path| fs::metadata(path).map(|m| m.len()).unwrap_or(0))
    }

    /// What the logs gained since `sizes`.
    pub(super) fn log_since(&self, sizes: &[u64; 3]) -> String {
        let mut text = String::new();
        for (path, &from) in self.log_files().iter().zip(sizes) {
            let content = fs::read(path).unwrap_or_default();
            let from = usize::try_from(from).unwrap_or(0).min(content.len());
            text.push_str(&String::from_utf8_lossy(&content[from..]));
        }
        text
    }

    /// The last `lines` lines of Postfix's and Dovecot's logs.
    pub(super) fn log(&self, lines: usize) -> String {
        let mut text = String::new();
        for name in ["postfix", "dovecot"] {
            let path = self.root.join(format!("log/{name}.log"));
            let content = fs::read_to_string(path).unwrap_or_default();
            let all: Vec<&str> = content.lines().collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            text.push_str(&format!("--- {name} log ---\n"));
            for line in tail {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }
}
