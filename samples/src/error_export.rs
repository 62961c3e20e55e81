//! Object-level export errors of a Connect Sync server in the three forms a bundle holds them:
//! `csexport.exe` XML (`CSEXPORT/error_export_<connector>.xml`), the CSV made from it
//! (`CSEXPORT/analyzed_error_export_<connector>.csv`) and the Synchronization Service Manager's
//! "copy details" text that users paste into tickets.
//!
//! The 114 error's texts are Microsoft's own (research notes §5.1); the other literals and error
//! codes are synthetic placeholders. The CSV's columns are this generator's choice: the columns
//! `CSExportAnalyzer` really writes were not found in public material.

use crate::run_history::{Stamp, iso};

/// One export error on one object.
#[derive(Debug, Clone)]
pub struct ExportError {
    /// Distinguished name (connector-space DN).
    pub dn: &'static str,
    /// Connector-space object id.
    pub cs_object_id: &'static str,
    /// Object type.
    pub object_type: &'static str,
    /// Error type as the Synchronization Service Manager names it.
    pub error_type: &'static str,
    /// Error code.
    pub code: &'static str,
    /// Error literal; may span lines (`\n`).
    pub literal: &'static str,
    /// When it last occurred (UTC).
    pub occurred: Stamp,
    /// When it first occurred (UTC).
    pub first_occurred: Stamp,
    /// Export retries so far.
    pub retry_count: u32,
}

/// The sample server's three export errors to Azure AD: a duplicate proxy address, a failed soft
/// match, and a delete of a cloud-only object (Error Type 114).
pub fn connect_sync_export_errors() -> Vec<ExportError> {
    vec![
        ExportError {
            dn: "CN={4A4B3C2D1E0F00112233445566778899}",
            cs_object_id: "{0D4C5B6A-1111-4222-8333-944455566601}",
            object_type: "user",
            error_type: "AttributeValueMustBeUnique",
            code: "0x80230703",
            literal: "Unable to update this object in Microsoft Online Services because the following attributes associated with this object have values that may already be associated with another object in your local directory.\nA synchronized object with the same proxy address already exists in your Microsoft Online Services directory. [ProxyAddresses SMTP:jdoe@contoso.com;]",
            occurred: (2024, 3, 14, 14, 6, 2, 6),
            first_occurred: (2024, 3, 11, 8, 0, 16, 987),
            retry_count: 77,
        },
        ExportError {
            dn: "CN={5B5C4D3E2F1000112233445566778899}",
            cs_object_id: "{0D4C5B6A-1111-4222-8333-944455566602}",
            object_type: "user",
            error_type: "InvalidSoftMatch",
            code: "0x80230713",
            literal: "Soft match failed for this object: another object in Azure Active Directory already has userPrincipalName kim@contoso.com.",
            occurred: (2024, 3, 14, 14, 6, 5, 120),
            first_occurred: (2024, 3, 14, 14, 6, 5, 120),
            retry_count: 0,
        },
        ExportError {
            dn: "CN={783456306961654236304B58786A66746377643748773D3D}",
            cs_object_id: "{aaaaaaaa-0000-1111-2222-bbbbbbbbbbbb}",
            object_type: "user",
            error_type: "114",
            code: "0x8023134a",
            literal: "This synchronization operation, Delete, is not valid. Contact Technical Support. Tracking Id: 09fb1e9b-3ff7-4163-9731-581785e347e5",
            occurred: (2024, 3, 14, 14, 6, 31, 0),
            first_occurred: (2024, 3, 12, 23, 51, 28, 0),
            retry_count: 5,
        },
    ]
}

/// Escapes text for XML content and attribute values.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `error_export_<connector>.xml` as `csexport.exe <connector> <file> /f:e` writes it: one
/// `<cs-object>` per object in error, the error under `export-errordetail/export-status/cd-error`.
/// UTF-16LE with a BOM, CRLF.
pub fn cs_export_xml(connector: &str, errors: &[ExportError]) -> Vec<u8> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<cs-objects>\r\n");
    for e in errors {
        out.push_str(&format!(
            "<cs-object cs-dn=\"{}\" id=\"{}\" object-type=\"{}\">\r\n <export-errordetail first-occurred=\"{}\" retry-count=\"{}\" date-occurred=\"{}\">\r\n  <export-status>\r\n   <cd-error>\r\n    <error-name>{}</error-name>\r\n    <error-code>{}</error-code>\r\n    <error-literal>{}</error-literal>\r\n    <server-error-detail>N/A</server-error-detail>\r\n   </cd-error>\r\n  </export-status>\r\n </export-errordetail>\r\n <ma-name>{}</ma-name>\r\n</cs-object>\r\n",
            xml_escape(e.dn),
            e.cs_object_id,
            e.object_type,
            iso(e.first_occurred),
            e.retry_count,
            iso(e.occurred),
            e.error_type,
            e.code,
            xml_escape(&e.literal.replace('\n', "\r\n")),
            xml_escape(connector),
        ));
    }
    out.push_str("</cs-objects>\r\n");
    crate::ps_dump::out_file(&out)
}

/// `analyzed_error_export_<connector>.csv`: quoted cells, CRLF, literals with line breaks kept in
/// their quoted cell.
pub fn analyzed_error_csv(errors: &[ExportError]) -> Vec<u8> {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\"").replace('\n', "\r\n"));
    let mut out = String::from(
        "\"DN\",\"ObjectType\",\"ErrorType\",\"ErrorCode\",\"ErrorLiteral\",\"DateOccurred\",\"RetryCount\"\r\n",
    );
    for e in errors {
        let cells = [
            quote(e.dn),
            quote(e.object_type),
            quote(e.error_type),
            quote(e.code),
            quote(e.literal),
            quote(&iso(e.occurred)),
            quote(&e.retry_count.to_string()),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The Synchronization Service Manager's "copy details" of one export error, as pasted into a
/// text file (UTF-8, CRLF).
pub fn copy_details(connector: &str, e: &ExportError) -> Vec<u8> {
    let (y, mo, d, h, mi, s, _) = e.occurred;
    format!(
        "TimeOccurred (UTC) {y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}\r\nMachineId 321d15e1-4ad6-49c7-918b-40a62a5140bd\r\nConnector Name {connector}\r\nErrorType {}\r\nErrorCode {}\r\nErrorLiteral {}\r\nServerErrorDetail N/A\r\nCsObjectIdentifier {}\r\nDn {}\r\n",
        e.error_type,
        e.code,
        e.literal.replace('\n', "\r\n"),
        e.cs_object_id,
        e.dn,
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_forms_of_the_same_errors() {
        let errors = connect_sync_export_errors();
        let csv = String::from_utf8(analyzed_error_csv(&errors)).unwrap();
        assert!(csv.contains("\"AttributeValueMustBeUnique\",\"0x80230703\",\"Unable to update"));
        assert!(csv.contains("local directory.\r\nA synchronized object"));
        let xml = cs_export_xml("contoso.onmicrosoft.com - AAD", &errors);
        assert_eq!(&xml[..2], &[0xFF, 0xFE]);
        let details = String::from_utf8(copy_details("x - AAD", &errors[2])).unwrap();
        assert!(details.starts_with("TimeOccurred (UTC) 2024-03-14 14:06:31\r\n"));
        assert!(details.contains("\r\nErrorType 114\r\nErrorCode 0x8023134a\r\n"));
        assert_eq!(xml_escape("a<&>\""), "a&lt;&amp;&gt;&quot;");
    }
}
