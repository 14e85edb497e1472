mod support;

use support::TestLivy;

#[tokio::test]
async fn smoke() {
    let livy = TestLivy::start().await;
    let id = livy.create_idle_session("spark").await;
    assert_eq!(id, "0");
}
