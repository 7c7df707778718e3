//! Where enforcement orders may be sent: the webhook URL policy.
//!
//! A platform admin types the webhook URL, so a careless or hostile one could point Saring at
//! its own network — the loopback interface, the office LAN, the cloud metadata service at
//! 169.254.169.254 — and use the dispatcher to reach what the internet cannot (server-side
//! request forgery). Unless `allow_private_targets` is set, only `http`/`https` URLs whose
//! host resolves to public addresses are accepted.
//!
//! The check runs when the URL is saved and again before every delivery, because DNS answers
//! change. Between that check and the connection the name is resolved once more, so the HTTP
//! client uses [`PublicOnlyResolver`], which applies the same rule to the addresses it
//! actually connects to (DNS rebinding).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Why a webhook target is refused or could not be checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The text is not a URL.
    #[error("webhook url is not valid: {0}")]
    InvalidUrl(String),
    /// The scheme is neither `http` nor `https`.
    #[error("webhook url scheme `{0}` is not allowed: use http or https")]
    Scheme(String),
    /// The URL names no host.
    #[error("webhook url has no host")]
    NoHost,
    /// The host name could not be resolved (possibly a passing DNS failure).
    #[error("could not resolve webhook host `{host}`")]
    Resolve {
        /// The host name.
        host: String,
        /// The resolver's error.
        source: std::io::Error,
    },
    /// The host name resolved to no address (possibly a passing DNS failure).
    #[error("webhook host `{host}` resolves to no address")]
    NoAddress {
        /// The host name.
        host: String,
    },
    /// The host is, or resolves to, an address that is not public.
    #[error(
        "webhook host `{host}` has address {addr}, which is {kind}; such targets are refused \
         unless allow_private_targets is set"
    )]
    Refused {
        /// The host as written in the URL.
        host: String,
        /// The refused address.
        addr: IpAddr,
        /// What kind of address it is, such as `loopback` or `private (RFC 1918)`.
        kind: &'static str,
    },
}

impl TargetError {
    /// Whether retrying cannot help: the URL itself is refused, as opposed to a DNS failure
    /// that may pass.
    pub fn is_permanent(&self) -> bool {
        !matches!(self, Self::Resolve { .. } | Self::NoAddress { .. })
    }
}

/// Checks that `url` may receive enforcement orders: `http` or `https`, with a host, and —
/// unless `allow_private` — with every address of that host public.
pub async fn check_target(url: &str, allow_private: bool) -> Result<(), TargetError> {
    let url = Url::parse(url).map_err(|e| TargetError::InvalidUrl(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(TargetError::Scheme(url.scheme().to_owned()));
    }
    let host = url
        .host_str()
        .filter(|host| !host.is_empty())
        .ok_or(TargetError::NoHost)?;
    if allow_private {
        return Ok(());
    }
    // IPv6 literals are written in brackets.
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(addr) = literal.parse::<IpAddr>() {
        return check_addr(host, addr);
    }
    let port = url.port_or_known_default().unwrap_or(0);
    let addrs = resolve(host, port).await?;
    addrs
        .iter()
        .try_for_each(|addr| check_addr(host, addr.ip()))
}

/// Resolves a host name, failing when it has no address.
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, TargetError> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|source| TargetError::Resolve {
            host: host.to_owned(),
            source,
        })?
        .collect();
    if addrs.is_empty() {
        return Err(TargetError::NoAddress {
            host: host.to_owned(),
        });
    }
    Ok(addrs)
}

/// Refuses an address that is not public.
fn check_addr(host: &str, addr: IpAddr) -> Result<(), TargetError> {
    match non_public_kind(addr) {
        None => Ok(()),
        Some(kind) => Err(TargetError::Refused {
            host: host.to_owned(),
            addr,
            kind,
        }),
    }
}

/// What kind of non-public address `addr` is, or `None` when it is public.
pub fn non_public_kind(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(ip) => non_public_v4(ip),
        IpAddr::V6(ip) => non_public_v6(ip),
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some("the cloud metadata service")
    } else if a == 0 {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private (RFC 1918)")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("shared (carrier-grade NAT, 100.64.0.0/10)")
    } else if ip.is_multicast() {
        Some("multicast")
    } else if ip.is_broadcast() {
        Some("broadcast")
    } else if a >= 240 || (a == 192 && b == 0 && c == 0) || (a == 198 && (b & 0xfe) == 18) {
        Some("reserved")
    } else {
        None
    }
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip.is_unspecified() {
        Some("unspecified")
    } else if ip.is_loopback() {
        Some("loopback")
    } else if let Some(v4) = ip.to_ipv4() {
        // IPv4-mapped (`::ffff:a.b.c.d`) and IPv4-compatible (`::a.b.c.d`) addresses reach
        // the IPv4 address inside.
        non_public_v4(v4)
    } else if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2..6] == [0, 0, 0, 0] {
        // NAT64 (`64:ff9b::/96`) reaches the IPv4 address in the last 32 bits.
        let [.., hi, lo] = seg;
        non_public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)))
    } else if (seg[0] & 0xfe00) == 0xfc00 {
        Some("unique local (fc00::/7)")
    } else if (seg[0] & 0xffc0) == 0xfe80 {
        Some("link-local")
    } else if (seg[0] & 0xffc0) == 0xfec0 {
        Some("site-local")
    } else if ip.is_multicast() {
        Some("multicast")
    } else {
        None
    }
}

/// A DNS resolver for the HTTP client that refuses names resolving to any address that is
/// not public, so the address connected to is one the URL policy accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve(&host, 0).await?;
            for addr in &addrs {
                check_addr(&host, addr.ip())?;
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(addr: &str) -> Option<&'static str> {
        non_public_kind(addr.parse().expect("an address"))
    }

    #[test]
    fn classifies_addresses() {
        let refused = [
            ("127.0.0.1", "loopback"),
            ("127.8.9.10", "loopback"),
            ("10.1.2.3", "private (RFC 1918)"),
            ("172.16.0.1", "private (RFC 1918)"),
            ("172.31.255.255", "private (RFC 1918)"),
            ("192.168.1.1", "private (RFC 1918)"),
            ("169.254.169.254", "the cloud metadata service"),
            ("169.254.1.1", "link-local"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("100.64.0.1", "shared (carrier-grade NAT, 100.64.0.0/10)"),
            (
                "100.127.255.255",
                "shared (carrier-grade NAT, 100.64.0.0/10)",
            ),
            ("224.0.0.1", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fc00::1", "unique local (fc00::/7)"),
            ("fd00:ec2::254", "unique local (fc00::/7)"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private (RFC 1918)"),
            ("::ffff:169.254.169.254", "the cloud metadata service"),
            ("64:ff9b::a9fe:a9fe", "the cloud metadata service"),
        ];
        for (addr, expected) in refused {
            assert_eq!(kind(addr), Some(expected), "{addr}");
        }
        let public = [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "169.253.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ];
        for addr in public {
            assert_eq!(kind(addr), None, "{addr}");
        }
    }

    #[tokio::test]
    async fn refuses_private_literals_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "https://10.0.0.5/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:192.168.0.1]/",
            "http://100.100.100.200/",
            // The URL parser reads these spellings of 127.0.0.1 as IPv4 addresses.
            "http://2130706433/",
            "http://0x7f.1/",
        ] {
            let err = check_target(url, false).await.expect_err(url);
            assert!(matches!(err, TargetError::Refused { .. }), "{url}: {err:?}");
            assert!(err.is_permanent());
            check_target(url, true).await.expect(url);
        }
    }

    #[tokio::test]
    async fn refuses_names_that_resolve_to_loopback() {
        let err = check_target("http://localhost:9/hook", false)
            .await
            .expect_err("localhost is loopback");
        assert!(
            matches!(&err, TargetError::Refused { host, kind: "loopback", .. } if host == "localhost"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .starts_with("webhook host `localhost` has address ")
        );
    }

    #[tokio::test]
    async fn accepts_public_literals() {
        check_target("https://93.184.215.14/hook", false)
            .await
            .expect("a public address");
        check_target("http://[2606:4700:4700::1111]:8443/x", false)
            .await
            .expect("a public address");
    }

    #[tokio::test]
    async fn refuses_bad_urls_even_when_private_targets_are_allowed() {
        for allow in [false, true] {
            let err = check_target("ftp://example.com/x", allow)
                .await
                .expect_err("ftp");
            assert_eq!(
                err.to_string(),
                "webhook url scheme `ftp` is not allowed: use http or https"
            );
            assert!(err.is_permanent());
            let err = check_target("not a url", allow).await.expect_err("junk");
            assert!(matches!(err, TargetError::InvalidUrl(_)), "{err:?}");
            let err = check_target("file:///etc/passwd", allow)
                .await
                .expect_err("file");
            assert!(matches!(err, TargetError::Scheme(_)), "{err:?}");
        }
    }

    #[test]
    fn dns_failures_are_not_permanent() {
        let err = TargetError::Resolve {
            host: "example.invalid".to_owned(),
            source: std::io::Error::other("no such host"),
        };
        assert!(!err.is_permanent());
        assert!(
            !TargetError::NoAddress {
                host: "x".to_owned()
            }
            .is_permanent()
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_loopback_names() {
        let name: Name = "localhost".parse().expect("a name");
        let err = match PublicOnlyResolver.resolve(name).await {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(err) => err,
        };
        let err = err
            .downcast::<TargetError>()
            .expect("the resolver's own error");
        assert!(matches!(*err, TargetError::Refused { .. }), "{err:?}");
    }
}
