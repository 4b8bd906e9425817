//! The WebSocket side: `/v2/ws/public` and `/v2/ws/private` on the REST port, and the control
//! commands that drop, freeze, delay or close connections.

mod book;
mod conn;
mod frame;
mod login;
mod push;
mod render;

pub use book::{BookLevels, BookView, checksum};
pub use frame::MarketFrame;

use crate::state::Shared;
use actix_web::{HttpRequest, HttpResponse, web};

/// Which connections a control command applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Public connections.
    Public,
    /// Private connections.
    Private,
    /// Every connection.
    All,
}

impl Scope {
    /// True when a connection of this kind is in scope.
    pub fn covers(self, private: bool) -> bool {
        match self {
            Scope::All => true,
            Scope::Public => !private,
            Scope::Private => private,
        }
    }
}

/// A control command broadcast to every connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WsCommand {
    /// Cut the socket without a close frame.
    Drop(Scope),
    /// Keep the socket open but stop answering and pushing.
    Freeze(Scope),
    /// Undo a freeze.
    Unfreeze(Scope),
    /// Close with a close frame (the 24-hour forced disconnect, on demand).
    CloseAll(Scope),
    /// Send a wrong checksum in the next book push of each connection.
    CorruptBook(Scope),
}

/// GET /v2/ws/public
pub async fn public(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    open(req, body, shared, false)
}

/// GET /v2/ws/private
pub async fn private(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
) -> Result<HttpResponse, actix_web::Error> {
    open(req, body, shared, true)
}

fn open(
    req: HttpRequest,
    body: web::Payload,
    shared: web::Data<Shared>,
    private: bool,
) -> Result<HttpResponse, actix_web::Error> {
    if crate::faults::ws::refuse_connections(&shared) {
        return Ok(HttpResponse::ServiceUnavailable().finish());
    }
    shared.ws_opened[usize::from(private)].fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (resp, session, stream) = actix_ws::handle(&req, body)?;
    let feeds = conn::Feeds::subscribe(&shared, private);
    actix_rt::spawn(conn::run(
        shared.into_inner(),
        session,
        stream,
        private,
        feeds,
    ));
    Ok(resp)
}
