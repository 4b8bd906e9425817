//! The read-only holdings API: `GET /api/v1/summary`, `/api/v1/positions`, `/api/v1/orders`
//! (JSON; bearer token when `VIPER_ADMIN_TOKEN` is set, like the commands). Each request
//! reads the exchange now (`holdings`), on the bot's thread.

use crate::admin::{AdminState, authorised, unauthorised};
use crate::admin_control::ask;
use crate::operator::Command;
use actix_web::{HttpRequest, HttpResponse, web};

/// The `/api/v1` routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/summary", web::get().to(summary))
        .route("/api/v1/positions", web::get().to(positions))
        .route("/api/v1/orders", web::get().to(orders));
}

async fn query(st: &AdminState, req: &HttpRequest, command: Command) -> HttpResponse {
    if !authorised(st, req) {
        return unauthorised();
    }
    ask(st, command).await
}

async fn summary(st: web::Data<AdminState>, req: HttpRequest) -> HttpResponse {
    query(&st, &req, Command::Summary).await
}

async fn positions(st: web::Data<AdminState>, req: HttpRequest) -> HttpResponse {
    query(&st, &req, Command::Positions).await
}

async fn orders(st: web::Data<AdminState>, req: HttpRequest) -> HttpResponse {
    query(&st, &req, Command::Orders).await
}
