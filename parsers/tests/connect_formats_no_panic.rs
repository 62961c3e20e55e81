//! The Connect Sync text readers never panic, whatever the text: arbitrary mixes of the fragments
//! their grammars key on (labels, separators, XML tags, quotes, headings, line ends).

use proptest::prelude::*;
use syncsift_parsers::adsync::{copy_details, error_csv, ps_dump, run_csv, sync_xml};
use syncsift_parsers::{ParseContext, Selector, VecSink, event_text, sniff};

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Key : value".to_owned()),
        Just("Key :".to_owned()),
        Just("   continued".to_owned()),
        Just("## Heading".to_owned()),
        Just("Name  Value".to_owned()),
        Just("----  -----".to_owned()),
        Just("At line:1 char:1".to_owned()),
        Just("<synchronization-errors>".to_owned()),
        Just("</synchronization-errors>".to_owned()),
        Just("<run-history><run-details><step-details step-number=\"1\">".to_owned()),
        Just("<export-error dn=\"x\"><error-literal>a &amp; b".to_owned()),
        Just("</export-error>".to_owned()),
        Just("<cs-objects><cs-object cs-dn=\"y\"><export-errordetail>".to_owned()),
        Just(
            "\"RunNumber\",\"ConnectorName\",\"RunProfileName\",\"Result\",\"StartDate\""
                .to_owned()
        ),
        Just("\"DN\",\"ErrorType\"".to_owned()),
        Just("\"1\",\"c\",\"p\",\"stopped-x\",\"13/13/2024 25:00:00 PM\"".to_owned()),
        Just("\"open quote".to_owned()),
        Just("Log Name: Application".to_owned()),
        Just("Source: ADSync".to_owned()),
        Just("Event ID: 99999999999".to_owned()),
        Just("Date: 2/30/2024 0:00:00 AM".to_owned()),
        Just("Description:".to_owned()),
        Just("Event Xml:".to_owned()),
        Just("TimeOccurred (UTC) 2021-10-20 23:51:28".to_owned()),
        Just("ErrorLiteral".to_owned()),
        Just("Dn".to_owned()),
        Just("é€😀".to_owned()),
        Just(String::new()),
        "[ -~]{0,20}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (fragment(), prop_oneof![Just("\r\n"), Just("\n"), Just(" ")]),
        0..40,
    )
    .prop_map(|parts| parts.into_iter().map(|(f, sep)| f + sep).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn readers_do_not_panic(text in text()) {
        let ctx = ParseContext::default();
        let selector = Selector::all();
        let bytes = text.as_bytes();
        let _ = sniff::sniff(bytes);
        let _ = ps_dump::parse(bytes, &ctx, &selector, &mut VecSink::default());
        let _ = sync_xml::parse(bytes, &ctx, &selector, &mut VecSink::default());
        let _ = run_csv::parse(bytes, &ctx, &selector, &mut VecSink::default());
        let _ = error_csv::parse(bytes, &ctx, &selector, &mut VecSink::default());
        let _ = copy_details::parse(bytes, &ctx, &selector, &mut VecSink::default());
        let _ = event_text::parse(bytes, &ctx, &selector, &mut VecSink::default());
    }
}
