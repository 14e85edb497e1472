//! Why a session or batch died, in one line, from the last lines of its log.

/// The most telling line: the last exception or error line (the root cause comes last in a
/// Java trace), else the last line that is not a stack frame or a stream marker.
pub fn failure_reason(log: &[String]) -> Option<String> {
    let candidates: Vec<&str> = log
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty() && !is_stack_frame(l) && !is_marker(l))
        .collect();
    let pick = candidates
        .iter()
        .rev()
        .find(|l| l.contains("Exception") || l.contains("Error") || l.contains(" ERROR ") || l.contains("Diagnostics"))
        .or(candidates.last())?;
    let line = pick.strip_prefix("Caused by: ").unwrap_or(pick);
    let line = match line.find("Exception in thread") {
        // `Exception in thread "main" java.lang.X: m` → `java.lang.X: m`
        Some(0) => line.split_once("\" ").map_or(line, |(_, rest)| rest),
        _ => line,
    };
    Some(line.to_string())
}

fn is_stack_frame(line: &str) -> bool {
    line.starts_with("at ") || line.starts_with("... ") && line.ends_with("more")
}

fn is_marker(line: &str) -> bool {
    matches!(line, "stdout:" | "stderr:" | "YARN Diagnostics:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(spec: &[&str]) -> Vec<String> {
        spec.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn picks_the_exception_not_the_frame() {
        let log = lines(&[
            "stdout: ",
            "\nstderr: ",
            "26/11/21 ERROR RSCDriver: Failed to start SparkContext",
            "Exception in thread \"main\" java.lang.IllegalStateException: no queue",
            "\tat org.apache.livy.rsc.driver.RSCDriver.run(RSCDriver.java:339)",
        ]);
        assert_eq!(
            failure_reason(&log).unwrap(),
            "java.lang.IllegalStateException: no queue"
        );
    }

    #[test]
    fn the_root_cause_comes_last() {
        let log = lines(&[
            "java.lang.RuntimeException: outer",
            "\tat a.b(C.java:1)",
            "Caused by: java.io.IOException: disk full",
            "\t... 3 more",
        ]);
        assert_eq!(failure_reason(&log).unwrap(), "java.io.IOException: disk full");
    }

    #[test]
    fn otherwise_the_last_real_line() {
        assert_eq!(
            failure_reason(&lines(&["starting", "killed by user", "\nstderr: "])).unwrap(),
            "killed by user"
        );
        assert_eq!(failure_reason(&lines(&["stdout: ", "\nstderr: "])), None);
    }
}
