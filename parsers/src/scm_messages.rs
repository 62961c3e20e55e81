//! Message texts for the Service Control Manager events that matter to sync servers.
//!
//! Offline there is no message table to render EVTX events with: a record holds only its insertion
//! strings (`param1` = service display name, `param2` = `%%1069`, ...). For the handful of SCM events
//! that tell a service failed to start or log on, this module rebuilds the sentence Event Viewer
//! shows, and resolves the `%%<n>` Win32 error references those events use. Texts are the standard
//! en-US Windows ones.

/// The message template of an SCM event, with `%1`.. placeholders.
fn template(event_id: u32) -> Option<&'static str> {
    Some(match event_id {
        7000 => "The %1 service failed to start due to the following error: %2",
        7001 => {
            "The %1 service depends on the %2 service which failed to start because of the following error: %3"
        }
        7009 => {
            "A timeout was reached (%1 milliseconds) while waiting for the %2 service to connect."
        }
        7011 => {
            "A timeout (%1 milliseconds) was reached while waiting for a transaction response from the %2 service."
        }
        7022 => "The %1 service hung on starting.",
        7023 => "The %1 service terminated with the following error: %2",
        7024 => "The %1 service terminated with the following service-specific error: %2",
        7031 => {
            "The %1 service terminated unexpectedly. It has done this %2 time(s). The following corrective action will be taken in %3 milliseconds: %5."
        }
        7034 => "The %1 service terminated unexpectedly. It has done this %2 time(s).",
        7036 => "The %1 service entered the %2 state.",
        7038 => {
            "The %1 service was unable to log on as %2 with the currently configured password due to the following error: %3"
        }
        7040 => "The start type of the %1 service was changed from %2 to %3.",
        7041 => {
            "The %1 service was unable to log on as %2 with the currently configured password due to the following error: Logon failure: the user has not been granted the requested logon type at this computer. This service account does not have the required user right \"Log on as a service.\""
        }
        7045 => {
            "A service was installed in the system. Service Name: %1 Service File Name: %2 Service Type: %3 Service Start Type: %4 Service Account: %5"
        }
        _ => return None,
    })
}

/// Win32 error texts that SCM events reference as `%%<code>`.
fn win32_error(code: u32) -> Option<&'static str> {
    Some(match code {
        2 => "The system cannot find the file specified.",
        5 => "Access is denied.",
        1053 => "The service did not respond to the start or control request in a timely fashion.",
        1058 => {
            "The service cannot be started, either because it is disabled or because it has no enabled devices associated with it."
        }
        1067 => "The process terminated unexpectedly.",
        1068 => "The dependency service or group failed to start.",
        1069 => "The service did not start due to a logon failure.",
        1326 => "The user name or password is incorrect.",
        1327 => "Account restrictions are preventing this user from signing in.",
        1330 => "The password for this account has expired.",
        1331 => "This user can't sign in because this account is currently disabled.",
        1385 => {
            "Logon failure: the user has not been granted the requested logon type at this computer."
        }
        1907 => "The user's password must be changed before signing in.",
        1909 => "The referenced account is currently locked out and may not be logged on to.",
        _ => return None,
    })
}

/// Replaces `%%<code>` references by their Win32 error text, leaving unknown codes as written.
pub fn resolve_error_refs(value: &str) -> String {
    let Some(code) = value.trim().strip_prefix("%%") else {
        return value.to_owned();
    };
    code.parse::<u32>()
        .ok()
        .and_then(win32_error)
        .map_or_else(|| value.to_owned(), str::to_owned)
}

/// Renders an SCM event's message from its insertion strings, or `None` for events without a known
/// template.
pub fn render(event_id: u32, params: &[&str]) -> Option<String> {
    let template = template(event_id)?;
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<usize>() {
            Ok(n) if n >= 1 => {
                let value = params.get(n - 1).copied().unwrap_or("");
                out.push_str(&resolve_error_refs(value));
                rest = &after[digits..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_logon_failure() {
        assert_eq!(
            render(7000, &["Microsoft Azure AD Sync", "%%1069"]).unwrap(),
            "The Microsoft Azure AD Sync service failed to start due to the following error: The service did not start due to a logon failure."
        );
        assert_eq!(
            render(7036, &["ADSync", "running"]).unwrap(),
            "The ADSync service entered the running state."
        );
        assert_eq!(resolve_error_refs("%%99999"), "%%99999");
        assert!(render(1, &[]).is_none());
    }
}
