/**
 * The engine's one entry point: the UI, the store and the CLI import from here only.
 * Framework-free: no React, no DOM, no node:* (tsconfig.engine.json and eslint enforce it).
 */
import type * as CatalogModule from './catalog.ts';

export * from './model/pci.ts';
export * from './model/host.ts';
export * from './model/guest.ts';
export * from './model/names.ts';
export type { Design } from './model/design.ts';
export * from './errors.ts';
export { deviceKeyer, freshControllerKey, freshDeviceKey, uniqueKey, type DeviceKeyer, type KeyedElement } from './model/keys.ts';
export {
  BUS_MODELS,
  busAccepts,
  busModel,
  controllerConnectType,
  type BusModel,
  type ConnectType,
  CONTROLLER_MODEL_NAMES,
  endpointConnectType,
  qemuDomainPCIControllerSetDefaults,
  takesPciAddress,
  virDomainAssignControllerIndexes,
  virDomainAssignDeviceControllerIndexes,
  virDomainDefPostParse,
  virDomainSkipBackcompatConsole,
  placementsUnread,
  libvirtControllerOrder,
  isHostdevLike,
  type ControllerOrder,
  type DefaultModels,
  type LibvirtMachine,
} from './libvirt/index.ts';
export {
  blockControllers,
  buildingBlocksFor,
  chassisPicker,
  hasPcieRoot,
  machineFamily,
  machineProfile,
  MACHINE_PROFILES,
  MACHINE_TEMPLATES,
  MAX_SWITCH_PORTS,
  profileOf,
  spareKind,
  type BlockPlace,
  type BuildingBlock,
  type MachineProfile,
  type SpareKind,
  type TemplateMachine,
} from './machines/index.ts';
export * from './commands/commands.ts';
export * from './commands/blocks.ts';
export * from './commands/drop.ts';
export * from './rules/evaluate.ts';
export { placeFunctions } from './commands/functions.ts';
export { DEMO_DOMAIN_XML, DEMO_HOST_XML } from './demo/demo.ts';
export { demoDesign } from './demo/demoDesign.ts';
export { importHost } from './xml/nodedev.ts';
export { QEMU_NAMESPACE, qemuNamespaceOf } from './xml/qemuNamespace.ts';
export { decodeAnyShareLink, decodeShareLink, encodeShareLink, type AnySharePayload, type SharePayload, type WorkspaceSharePayload } from './share/link.ts';
export * from './workspace/index.ts';
export { importDomain, createDesign, exportDomain, exportDomainBytes, domainBytes, whyUnwritable, type Unwritable } from './xml/domain.ts'; export type { DomainSource } from './model/domainSource.ts';
export { place, placeWithReport, type PlacementPolicy, type PlaceOptions, type PlaceReport } from './placement/index.ts'; export { defineDomain, definedControllers, predictDefine, releaseControllerDefaults, type DefinedControllers, type DefinedDomain, type DefinePrediction, type FilledByLibvirt } from './placement/defineTime.ts';
export { DEFAULT_LIBVIRT_RELEASE, LIBVIRT_RELEASES, isLibvirtRelease } from './model/libvirtRelease.ts';
export { RULES, ruleMeta, validate, createValidator, applyFixes, sortFindings, type ValidateOptions, type Severity, type Fix, type Finding, type FindingSubjects, type RuleMeta, type Rule } from './rules/index.ts';
export { passThroughRefusal, chipsetFunction } from './model/vfio.ts';
export { ruleCatalog, catalogMarkdown, ADDED_IDS, NOT_IMPLEMENTED, SEVERITY_NOTES, type CatalogRow, type CatalogStatus, type Coverage, type UncheckedId } from './rules/coverage.ts';
export { decodeXml, declaredEncoding, encodeXml, encodingBeyondText, encodingToWrite, firstUnwritable, utf8XmlBytes, type DecodedXml, type UnwritableCharacter, type XmlEncoding } from './xml/decode.ts';
export { isXmlEncoding } from './model/encoding.ts';
/** What the rule catalog lazily loaded offers (see catalog.ts). */
export type RuleCatalog = typeof CatalogModule;
/** Loads the rule catalog as a chunk of its own (a bundler splits it off from the page's first script). */
export const loadRuleCatalog = (): Promise<RuleCatalog> => import('./catalog.ts');
