//! Bad input from the wire, served by a tiny local actix-web server: HTML error pages,
//! empty bodies, wrong content type, a connection that hangs after headers, huge numbers,
//! unexpected enum values. Each is a typed error with a clear message, never a panic.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::StreamExt as _;
use viper_bitget::{Error, RestClient, RestConfig, RetryPolicy};

/// Serves `respond` on every path; returns the base URL and the server handle.
async fn mock(respond: fn() -> HttpResponse) -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = HttpServer::new(move || {
        App::new().default_service(web::to(move || async move { respond() }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    actix_rt::spawn(server);
    (format!("http://127.0.0.1:{port}"), handle)
}

fn client(url: &str) -> RestClient {
    let mut cfg = RestConfig::custom(url, None);
    cfg.request_timeout = Duration::from_millis(400);
    cfg.retry = RetryPolicy::never();
    RestClient::new(cfg)
}

async fn time_error(respond: fn() -> HttpResponse) -> Error {
    let (url, h) = mock(respond).await;
    let e = client(&url).server_time().await.expect_err("bad body");
    h.stop(false).await;
    e
}

#[actix_rt::test]
async fn html_error_page_from_a_proxy_is_transport() {
    let e = time_error(|| {
        HttpResponse::BadGateway()
            .content_type("text/html")
            .body("<html><body><h1>502 Bad Gateway</h1></body></html>")
    })
    .await;
    assert_eq!(e.class(), "transport");
    let msg = e.to_string();
    assert!(msg.contains("502") && msg.contains("text/html"), "{msg}");
}

#[actix_rt::test]
async fn html_with_200_is_decode() {
    let e = time_error(|| {
        HttpResponse::Ok()
            .content_type("text/html")
            .body("<html>maintenance</html>")
    })
    .await;
    assert!(
        matches!(&e, Error::Decode { body, .. } if body.contains("maintenance")),
        "{e:?}"
    );
    assert!(e.to_string().contains("/api/v2/public/time"), "{e}");
}

#[actix_rt::test]
async fn empty_body_is_decode() {
    let e = time_error(|| HttpResponse::Ok().content_type("application/json").finish()).await;
    assert_eq!(e.class(), "decode");
    assert!(e.to_string().contains("empty body"), "{e}");
}

#[actix_rt::test]
async fn wrong_content_type_is_named_in_the_error() {
    let e = time_error(|| {
        HttpResponse::Ok()
            .content_type("application/xml")
            .body("<time>1</time>")
    })
    .await;
    assert!(e.to_string().contains("application/xml"), "{e}");
}

#[actix_rt::test]
async fn hang_after_headers_is_timeout() {
    let e = time_error(|| {
        let first = futures_util::stream::once(async {
            Ok::<_, actix_web::Error>(web::Bytes::from_static(br#"{"code":"00000","#))
        });
        HttpResponse::Ok()
            .content_type("application/json")
            .streaming(first.chain(futures_util::stream::pending()))
    })
    .await;
    assert_eq!(
        e,
        Error::Timeout {
            endpoint: "/api/v2/public/time".into(),
            after: Duration::from_millis(400)
        }
    );
}

#[actix_rt::test]
async fn huge_number_is_decode_not_overflow() {
    let e = time_error(|| {
        HttpResponse::Ok().content_type("application/json").body(
            r#"{"code":"00000","msg":"success","data":{"serverTime":"99999999999999999999999"}}"#,
        )
    })
    .await;
    assert_eq!(e.class(), "decode");
    assert!(e.to_string().contains("serverTime"), "{e}");
}

#[actix_rt::test]
async fn unexpected_enum_value_where_strict_is_decode() {
    let (url, h) = mock(|| {
        HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"code":"00000","msg":"success","data":{"posMode":"triangle_mode"}}"#)
    })
    .await;
    let mut cfg = RestConfig::custom(&url, Some(viper_bitget::Credentials::new("k", "s", "p")));
    cfg.retry = RetryPolicy::never();
    let e = RestClient::new(cfg)
        .set_position_mode(viper_bitget::models::PosMode::Hedge)
        .await
        .expect_err("unknown mode");
    h.stop(false).await;
    assert!(e.to_string().contains("triangle_mode"), "{e}");
}
