// Package match links rosters of children sent by departments (education, police, health,
// insurance, the disability federation) to the registry of migrant and left-behind children:
// for every roster record (the right side) it finds the registry record (the left side) of
// the same child, or none.
//
// Records are normalised for Chinese person data (full-width and traditional characters,
// dotted minority names, Mongolian transliteration variants, identity numbers with birth date
// and sex), blocked by a union of rules (identity number and its one-typo neighbours; birth
// date with surname or given-name sounds; name with two of year, month and day; name with a
// parent's name), compared field by field at several levels (exact, same pinyin, near pinyin,
// look-alike, one character, typo, day and month exchanged …) and scored by a three-class
// Fellegi–Sunter model — same child, sibling or twin, unrelated child — whose parameters are
// estimated on every run (u from random pairs, m anchored on shared identity numbers, s from
// sibling groups) with built-in defaults where the data cannot anchor them. The score is a
// match probability; each decision keeps its per-field weights.
//
// Entry points: Link (in memory), LinkFiles (the `guanai match` command), NewIndex and
// Index.Match (one record at a time against a kept index). docs/matching.md describes the
// model and its measured quality; package synth generates test data.
package match
