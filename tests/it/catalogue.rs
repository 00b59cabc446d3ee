//! Catalogue uploads of every accepted format, retrieval of the rows that
//! match a question, and refusals that leave the catalogue as it was.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, StringFormat, dictionary};
use tuberry::api;
use tuberry::assistant::model::{CatalogueFormat, CatalogueImport, CatalogueProblem};

use crate::assistant::shop;

const XLSX: &[u8] = include_bytes!("../fixtures/catalogue/catalogue.xlsx");
const XLS: &[u8] = include_bytes!("../fixtures/catalogue/catalogue.xls");

/// A one-page PDF price list written with the standard Helvetica font.
fn price_list_pdf(lines: &[&str]) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let mut operations = vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec!["F1".into(), 12.into()]),
        Operation::new("Td", vec![72.into(), 760.into()]),
    ];
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            operations.push(Operation::new("Td", vec![0.into(), (-20).into()]));
        }
        operations.push(Operation::new(
            "Tj",
            vec![Object::String(
                line.as_bytes().to_vec(),
                StringFormat::Literal,
            )],
        ));
    }
    operations.push(Operation::new("ET", vec![]));
    let content_id = doc.add_object(Stream::new(
        dictionary! {},
        Content { operations }.encode().unwrap(),
    ));
    let page_id = doc.add_object(
        dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
    );
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
            "Resources" => resources_id, "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

#[tokio::test]
async fn every_format_is_imported_replacing_the_last_and_the_matching_rows_are_found() {
    let shop = shop().await;
    let engine = &shop.app.engine;
    let project = shop.project_id;
    let search = |text: &'static str| async move {
        api::catalogue_rows(engine, project, Some(text.into()), 0, 10)
            .await
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.text)
            .collect::<Vec<_>>()
    };

    // The CSV the shop started with: a question in other word forms finds its row first.
    let catalogue = api::get_catalogue(engine, project).await.unwrap().unwrap();
    assert_eq!(
        (catalogue.format, catalogue.row_count),
        (CatalogueFormat::Csv, 3)
    );
    assert_eq!(catalogue.columns, ["Название", "Цена", "Наличие"]);
    let found = search("а диваны честер у вас есть?").await;
    assert_eq!(
        found.first().map(String::as_str),
        Some("Название: Диван Честер; Цена: 45990; Наличие: в наличии")
    );
    assert_eq!(
        search("кресла").await,
        ["Название: Кресло Бостон; Цена: 18990; Наличие: под заказ"]
    );

    for (name, bytes, format) in [
        ("прайс.xlsx", XLSX.to_vec(), CatalogueFormat::Xlsx),
        ("прайс.xls", XLS.to_vec(), CatalogueFormat::Xls),
        (
            "price-list.pdf",
            price_list_pdf(&[
                "Price list, March",
                "Sofa Chester grey 45990 RUB",
                "Armchair Boston 18990 RUB",
            ]),
            CatalogueFormat::Pdf,
        ),
    ] {
        let outcome = api::import_catalogue(engine, project, name.into(), bytes)
            .await
            .unwrap();
        let CatalogueImport::Imported { catalogue } = outcome else {
            panic!("{name} imported: {outcome:?}");
        };
        assert_eq!(catalogue.format, format, "{name}");
        assert_eq!(catalogue.file_name, name);
        let all = api::catalogue_rows(engine, project, None, 0, 500)
            .await
            .unwrap();
        assert_eq!(
            all.total, catalogue.row_count,
            "{name}: the old rows are gone"
        );
        assert!(
            all.rows
                .iter()
                .all(|r| !r.text.contains("Стол обеденный Лофт")),
            "{name} replaced the CSV"
        );
    }
    assert_eq!(
        search("sofas chester").await.first().map(String::as_str),
        Some("Sofa Chester grey 45990 RUB")
    );

    // Refused uploads say why and leave the PDF's rows in place.
    for (name, bytes, problem) in [
        ("empty.csv", Vec::new(), CatalogueProblem::Empty),
        (
            "price.docx",
            b"PK\x03\x04".to_vec(),
            CatalogueProblem::Unsupported,
        ),
        (
            "broken.pdf",
            b"%PDF-1.4 nothing here".to_vec(),
            CatalogueProblem::Unreadable,
        ),
        ("scan.pdf", price_list_pdf(&[]), CatalogueProblem::NoRows),
    ] {
        match api::import_catalogue(engine, project, name.into(), bytes)
            .await
            .unwrap()
        {
            CatalogueImport::Refused { problem: got, .. } => assert_eq!(got, problem, "{name}"),
            other => panic!("{name} refused: {other:?}"),
        }
    }
    let kept = api::get_catalogue(engine, project).await.unwrap().unwrap();
    assert_eq!(kept.file_name, "price-list.pdf");
    assert_eq!(search("armchair").await, ["Armchair Boston 18990 RUB"]);

    api::remove_catalogue(engine, project).await.unwrap();
    assert_eq!(api::get_catalogue(engine, project).await.unwrap(), None);
    assert!(search("armchair").await.is_empty());
}
