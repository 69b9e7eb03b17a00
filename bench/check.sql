-- After a POST run: every stored report is whole (items, case, event) and none is duplicated.
SELECT 'reports',                COUNT(*) FROM reports;
SELECT 'distinct descriptions',  COUNT(DISTINCT description) FROM reports;
SELECT 'distinct query codes',   COUNT(DISTINCT query_code_hash) FROM reports;
SELECT 'cases',                  COUNT(*) FROM cases;
SELECT 'received events',        COUNT(*) FROM case_events WHERE kind = 'received';
SELECT 'report items',           COUNT(*) FROM report_items;
SELECT 'reports without a case', COUNT(*) FROM reports r LEFT JOIN cases c ON c.report_id = r.id WHERE c.id IS NULL;
