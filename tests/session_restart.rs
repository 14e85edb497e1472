//! A Livy restarted without recovery numbers sessions from 0 again. The notebook must notice
//! that its id now names someone else's session, say so, and never run in it or delete it.

mod support;

use livy_tui::app::{Command, Phase};
use std::time::Duration;
use support::{HeadlessNotebook as Notebook, TestLivy, TestLivyConfig};

#[tokio::test]
async fn after_a_restart_another_users_session_under_the_same_id_is_left_alone() {
    let livy = TestLivy::start_with(TestLivyConfig::default().start_ms(50)).await;
    let mut notebook = Notebook::start(&livy.url(), None);
    notebook.until_idle().await;
    assert_eq!(
        notebook.app.session.id.as_ref().map(|id| id.to_string()).as_deref(),
        Some("0")
    );

    livy.restart_without_recovery();
    let theirs = livy.create_named_session("spark", Some("someone-else"));
    assert_eq!(theirs, "0", "the id is given again");

    let noticed = notebook
        .run_until(Duration::from_secs(30), |app| app.session.phase == Phase::Gone)
        .await;
    assert!(noticed, "the notebook saw its session replaced");
    let said = notebook.app.session.failure.clone().unwrap_or_default();
    assert!(said.contains("another session"), "{said}");

    // Quitting offers nothing to delete, and nothing was sent to their session.
    notebook.app.run_command(Command::Quit);
    assert!(notebook.app.quit.as_ref().is_none_or(|q| q.delete_session.is_none()));
    assert!(livy.requests_to("POST", "/sessions/0/statements").is_empty());
    assert!(livy.requests_to("DELETE", "/sessions/0").is_empty());
    assert!(livy.session_state("0").is_some(), "their session is still there");
}
