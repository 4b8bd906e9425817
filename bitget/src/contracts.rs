//! Contract specifications cached with a TTL, refreshed in the background; a failed refresh
//! keeps serving the last good list (specs change rarely, trading must not stop for it).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::Error;
use crate::models::Contract;
use crate::rest::RestClient;

/// Cached `GET /api/v2/mix/market/contracts`.
#[derive(Debug)]
pub struct ContractsCache {
    client: RestClient,
    ttl: Duration,
    state: RefCell<Option<(Instant, Rc<Vec<Contract>>)>>,
}

impl ContractsCache {
    /// An empty cache; the first read fetches.
    pub fn new(client: RestClient, ttl: Duration) -> Rc<Self> {
        Rc::new(Self {
            client,
            ttl,
            state: RefCell::new(None),
        })
    }

    /// Fetches now and replaces the cached list.
    pub async fn refresh(&self) -> Result<Rc<Vec<Contract>>, Error> {
        let list = Rc::new(self.client.contracts(None).await?);
        *self.state.borrow_mut() = Some((Instant::now(), list.clone()));
        tracing::debug!(contracts = list.len(), "contracts refreshed");
        Ok(list)
    }

    /// Every contract; refetched when older than the TTL. When the refetch fails and a
    /// previous list exists, that list is returned (and the failure logged).
    pub async fn all(&self) -> Result<Rc<Vec<Contract>>, Error> {
        let cached = self.state.borrow().clone();
        match cached {
            Some((at, list)) if at.elapsed() < self.ttl => Ok(list),
            Some((_, list)) => match self.refresh().await {
                Ok(fresh) => Ok(fresh),
                Err(e) => {
                    tracing::warn!(error = %e, "contracts refresh failed; serving stale list");
                    Ok(list)
                }
            },
            None => self.refresh().await,
        }
    }

    /// One symbol's contract, `None` when not listed.
    pub async fn get(&self, symbol: &str) -> Result<Option<Contract>, Error> {
        let all = self.all().await?;
        Ok(all
            .iter()
            .find(|c| c.symbol.eq_ignore_ascii_case(symbol))
            .cloned())
    }

    /// Age of the cached list, `None` before the first fetch.
    pub fn age(&self) -> Option<Duration> {
        self.state.borrow().as_ref().map(|(at, _)| at.elapsed())
    }

    /// Refreshes every `period` forever; spawn it with `actix_rt::spawn`.
    pub async fn run_refresh(self: Rc<Self>, period: Duration) {
        loop {
            tokio::time::sleep(period).await;
            if let Err(e) = self.refresh().await {
                tracing::warn!(error = %e, "background contracts refresh failed");
            }
        }
    }
}
