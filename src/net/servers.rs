//! The `--server` URLs and which one is in use: the one owner of that
//! choice. The link moves on after a failure (round robin) and says when
//! it reaches a server; the sender reads where to post, and whether the
//! link got through again, from the [`Reach`] this publishes.

use reqwest::Url;
use tokio::sync::watch;

/// Where the engine talks to now, as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reach {
    pub(crate) server: Url,
    /// How many times the link has reached a server so far: a new value
    /// means it just got through again.
    pub(crate) reached: u64,
}

/// The `--server` URLs, and which one is in use.
#[derive(Debug)]
pub(crate) struct Servers {
    urls: Vec<Url>,
    current: usize,
    reach: watch::Sender<Reach>,
}

impl Servers {
    /// `None` when the list is empty: there is nothing to connect to.
    pub(crate) fn new(urls: Vec<Url>) -> Option<Self> {
        let first = urls.first()?.clone();
        let (reach, _) = watch::channel(Reach {
            server: first,
            reached: 0,
        });
        Some(Self {
            urls,
            current: 0,
            reach,
        })
    }

    pub(crate) fn current(&self) -> &Url {
        // `new` refuses an empty list and `current` stays below its length.
        &self.urls[self.current]
    }

    /// Move on to the next server after a failure (round robin).
    pub(crate) fn advance(&mut self) {
        self.current = (self.current + 1) % self.urls.len();
        self.publish(false);
    }

    /// Make `url` the current server (a background attempt reached it).
    pub(crate) fn select(&mut self, url: &Url) {
        if let Some(index) = self.urls.iter().position(|u| u == url) {
            self.current = index;
            self.publish(false);
        }
    }

    /// The link got through to the current server.
    pub(crate) fn reached(&mut self) {
        self.publish(true);
    }

    fn publish(&self, reached: bool) {
        let server = self.current().clone();
        self.reach.send_modify(|reach| {
            reach.server = server;
            reach.reached += u64::from(reached);
        });
    }

    /// Where to post, and when the link gets through, from now on.
    pub(crate) fn watch(&self) -> watch::Receiver<Reach> {
        self.reach.subscribe()
    }

    /// Every server, the current one first, then round robin.
    pub(crate) fn rotation(&self) -> Vec<Url> {
        let n = self.urls.len();
        (0..n)
            .map(|i| self.urls[(self.current + i) % n].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[test]
    fn servers_go_round_and_say_where_they_are() {
        let (a, b) = (url("http://a:1"), url("http://b:2"));
        let mut servers = Servers::new(vec![a.clone(), b.clone()]).unwrap();
        let reach = servers.watch();
        assert_eq!(servers.current(), &a);
        servers.advance();
        assert_eq!(servers.current(), &b);
        assert_eq!(reach.borrow().server, b);
        assert_eq!(servers.rotation(), [b.clone(), a.clone()]);
        servers.advance();
        assert_eq!(servers.current(), &a);
        servers.select(&b);
        assert_eq!(servers.current(), &b);
        assert_eq!(reach.borrow().reached, 0);
        servers.reached();
        assert_eq!(
            *reach.borrow(),
            Reach {
                server: b,
                reached: 1
            }
        );
        assert!(Servers::new(Vec::new()).is_none());
    }
}
