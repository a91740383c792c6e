/**
 * `pcitopo verify`: prepare.ts makes the copies libvirt gets, run.ts runs them in the sandbox
 * (sandbox.ts) and reads QEMU back (readback.ts), compare.ts compares, report.ts tells.
 */
export { APT_HINT, APT_PACKAGES } from './sandbox.ts';
export { checkVerifyTools, runVerify } from './run.ts';
export { compare, type CompareInput, type CompareRows } from './compare.ts';
export { formatVerifyReport, verifyExitCode } from './report.ts';
export type { BusSlotFunction, QmpExchange, QomDevice, Readback, VerifyController, VerifyDevice, VerifyOptions, VerifyReport } from './types.ts';
