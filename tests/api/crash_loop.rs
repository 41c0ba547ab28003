//! The crash loop's short version (scripts/crash-loop.sh runs the long one): the real
//! binary under load, kill -9 at a random moment, restart on the same store; every
//! acknowledged event must be stored and every status call it implies must arrive at
//! the simulated marketplaces, which live in this process and outlive each daemon.

use ordersync::bench::crash::{self, CrashPlan};
use ordersync::bench::daemon::DaemonSpec;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_kill_9_cycles_lose_nothing() {
    let spec = DaemonSpec {
        binary: env!("CARGO_BIN_EXE_ordersync").into(),
        cpu: None,
    };
    let plan = CrashPlan {
        cycles: 3,
        rate: 200.0,
        kill_after: (Duration::from_millis(100), Duration::from_millis(1500)),
        settle: Duration::from_secs(60),
    };
    let report = crash::run(spec, None, plan).await.expect("the loop runs");
    assert_eq!(report.cycles, 3);
    assert!(report.acknowledged > 0, "{report:?}");
    assert!(report.lost_events.is_empty(), "{:?}", report.lost_events);
    assert!(
        report.missing_calls.is_empty(),
        "{:?}",
        report.missing_calls
    );
}
