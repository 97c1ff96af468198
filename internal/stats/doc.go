// Package stats is the statistics engine of guanai: the statistical analysis of migrant children
// (流动儿童) and left-behind children (留守儿童) that section 二(二) of Wuhai's work plan asks of the
// statistics bureau and civil affairs — numbers, age structure, geographic distribution — and the
// disclosure control that section 四(四) 严格数据发布 calls for before anything is published.
//
// The engine works on records in memory, not on SQL. A Source yields the non-archived records one
// by one; Compute classifies each with rules.Classify as of the requested date and counts it into
// every standard table in a single pass, holding no copy of the records. CrossTab counts any two
// registered dimensions. Suppress and SuppressTables protect tables for publication (primary and
// complementary suppression, audited by linear programming so that no suppressed value can be
// worked out from what is published). WriteXLSX writes a report as a workbook, one table per sheet.
// Snapshot and Trend keep one compact report per month and read series out of them.
//
// Assignment to regions follows the seed: migrant children count where they live (流入地为主),
// left-behind children where their hukou is (户籍地为主); docs/statistics.md gives every rule.
package stats
