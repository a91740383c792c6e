/**
 * The engine's one entry point: the UI, the store and the CLI import from here only.
 * Framework-free: no React, no DOM, no node:* (tsconfig.engine.json and eslint enforce it).
 */
export * from './model/pci.ts';
export * from './model/host.ts';
export * from './model/guest.ts';
export type { Design } from './model/design.ts';
export * from './errors.ts';
export * from './machines/connect.ts';
export * from './commands/commands.ts';
export { DEMO_DOMAIN_XML, DEMO_HOST_XML } from './demo/demo.ts';
export { demoDesign } from './demo/demoDesign.ts';
export { MACHINE_TEMPLATES, type TemplateMachine } from './demo/templates.ts';
export { importHost } from './xml/nodedev.ts';
export { decodeShareLink, encodeShareLink, type SharePayload } from './share/link.ts';
export { importDomain, createDesign, exportDomain } from './xml/domain.ts'; export type { DomainSource } from './xml/domainSource.ts';
export { wantsPciAddress } from './placement/flags.ts';
export { place, placeWithReport, type PlacementPolicy, type PlaceOptions, type PlaceReport } from './placement/index.ts'; export { predictDefine, type DefinePrediction } from './placement/defineTime.ts';
export { RULES, ruleMeta, validate, createValidator, applyFixes, sortFindings, type Severity, type Fix, type Finding, type FindingSubjects, type RuleMeta, type Rule } from './rules/index.ts';
export { ruleCatalog, catalogMarkdown, NOT_IMPLEMENTED, SEVERITY_NOTES, type CatalogRow, type CatalogStatus, type Coverage, type UncheckedId } from './rules/coverage.ts';
