//! Idle sessions: with a one-minute idle timeout, a person who keeps working stays logged in
//! (the last-seen time is not written on every request, and the timeout allows for that),
//! and one who stops is logged out.

use chrono::Duration;
use jianduka::access::Role;

use crate::helpers::{Backend, TEST_PASSWORD, backends, spawn_app_with_settings};

#[tokio::test]
async fn a_one_minute_idle_timeout_keeps_an_active_session_and_ends_an_idle_one() {
    for backend in backends() {
        let app = spawn_app_with_settings(backend.clone(), |s| s.session_idle_minutes = 1).await;
        app.add_user("wu", Role::Inspector).await;
        let (client, _) = app.client_for("wu", TEST_PASSWORD).await;
        let home = async || {
            client
                .get(format!("{}/staff", app.address))
                .send()
                .await
                .expect("home")
                .status()
                .as_u16()
        };
        // A request every 50 seconds, each well inside the minute.
        for n in 1..=4 {
            app.state.clock.advance(Duration::seconds(50));
            assert_eq!(home().await, 200, "request {n} on {}", app.backend);
        }
        // Three minutes without a request: logged out.
        app.state.clock.advance(Duration::minutes(3));
        assert_eq!(home().await, 303, "on {}", app.backend);
        if let Backend::Postgres(server) = backend {
            let database = app.settings.database_url.expose().clone();
            drop(app);
            crate::helpers::drop_postgres_database(&server, &database).await;
        }
    }
}
