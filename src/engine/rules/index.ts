/**
 * The rule catalog (RULES.md ids): the registry below lists one rule per file in this folder,
 * and validate.ts runs them. Generated list; keep it sorted by id.
 */
import type { Rule } from './types.ts';

export type { Severity, Fix, Finding, FindingSubjects, RuleMeta, Rule, RuleCases, RuleCase, FailCase } from './types.ts';
export type { RuleContext, Bus } from './context.ts';
export { validate, createValidator, applyFixes, ruleMeta, sortFindings, type ValidateOptions } from './validate.ts';

// Registry: one import per rule file, sorted by id (the meta-test checks it against the directory).
import { rule as GEN_ADDR_1 } from './GEN-ADDR-1.ts';
import { rule as GEN_ADDR_2 } from './GEN-ADDR-2.ts';
import { rule as GEN_ADDR_3 } from './GEN-ADDR-3.ts';
import { rule as GEN_ADDR_4 } from './GEN-ADDR-4.ts';
import { rule as GEN_ADDR_6 } from './GEN-ADDR-6.ts';
import { rule as GEN_CMDLINE_1 } from './GEN-CMDLINE-1.ts';
import { rule as GEN_CONNECT_1 } from './GEN-CONNECT-1.ts';
import { rule as GEN_CONNECT_2 } from './GEN-CONNECT-2.ts';
import { rule as GEN_CONNECT_3 } from './GEN-CONNECT-3.ts';
import { rule as GEN_FS_1 } from './GEN-FS-1.ts';
import { rule as GEN_HP_1 } from './GEN-HP-1.ts';
import { rule as GEN_HP_5 } from './GEN-HP-5.ts';
import { rule as GEN_IDE_1 } from './GEN-IDE-1.ts';
import { rule as GEN_IDX_1 } from './GEN-IDX-1.ts';
import { rule as GEN_IDX_2 } from './GEN-IDX-2.ts';
import { rule as GEN_IDX_3 } from './GEN-IDX-3.ts';
import { rule as GEN_IDX_4 } from './GEN-IDX-4.ts';
import { rule as GEN_IDX_6 } from './GEN-IDX-6.ts';
import { rule as GEN_INTEGRATED_1 } from './GEN-INTEGRATED-1.ts';
import { rule as GEN_MF_2 } from './GEN-MF-2.ts';
import { rule as GEN_MF_3 } from './GEN-MF-3.ts';
import { rule as GEN_MODEL_1 } from './GEN-MODEL-1.ts';
import { rule as GEN_MODEL_2 } from './GEN-MODEL-2.ts';
import { rule as GEN_MODEL_3 } from './GEN-MODEL-3.ts';
import { rule as GEN_MODEL_4 } from './GEN-MODEL-4.ts';
import { rule as GEN_SOUND_1 } from './GEN-SOUND-1.ts';
import { rule as GEN_TGT_1 } from './GEN-TGT-1.ts';
import { rule as GEN_USB_1 } from './GEN-USB-1.ts';
import { rule as HD_MF_1 } from './HD-MF-1.ts';
import { rule as HD_SRC_1 } from './HD-SRC-1.ts';
import { rule as HD_SRC_2 } from './HD-SRC-2.ts';
import { rule as HD_SRC_3 } from './HD-SRC-3.ts';
import { rule as HD_VFIO_1 } from './HD-VFIO-1.ts';
import { rule as PAPR_BRIDGE_2 } from './PAPR-BRIDGE-2.ts';
import { rule as PAPR_BRIDGE_4 } from './PAPR-BRIDGE-4.ts';
import { rule as PAPR_CTRL_1 } from './PAPR-CTRL-1.ts';
import { rule as PAPR_CTRL_2 } from './PAPR-CTRL-2.ts';
import { rule as PAPR_CTRL_3 } from './PAPR-CTRL-3.ts';
import { rule as PAPR_CTRL_4 } from './PAPR-CTRL-4.ts';
import { rule as PAPR_DMA_1 } from './PAPR-DMA-1.ts';
import { rule as PAPR_HP_1 } from './PAPR-HP-1.ts';
import { rule as PAPR_HP_2 } from './PAPR-HP-2.ts';
import { rule as PAPR_HP_6 } from './PAPR-HP-6.ts';
import { rule as PAPR_IRQ_1 } from './PAPR-IRQ-1.ts';
import { rule as PAPR_ISO_4 } from './PAPR-ISO-4.ts';
import { rule as PAPR_ISO_5 } from './PAPR-ISO-5.ts';
import { rule as PAPR_ISO_6 } from './PAPR-ISO-6.ts';
import { rule as PAPR_ISO_7 } from './PAPR-ISO-7.ts';
import { rule as PAPR_ISO_8 } from './PAPR-ISO-8.ts';
import { rule as PAPR_ISO_9 } from './PAPR-ISO-9.ts';
import { rule as PAPR_NUMA_1 } from './PAPR-NUMA-1.ts';
import { rule as PAPR_NUMA_2 } from './PAPR-NUMA-2.ts';
import { rule as PAPR_NUMA_4 } from './PAPR-NUMA-4.ts';
import { rule as PAPR_PHB_2 } from './PAPR-PHB-2.ts';
import { rule as PAPR_PHB_3 } from './PAPR-PHB-3.ts';
import { rule as PAPR_PHB_5 } from './PAPR-PHB-5.ts';
import { rule as PAPR_PHB_9 } from './PAPR-PHB-9.ts';
import { rule as PAPR_SLOT_1 } from './PAPR-SLOT-1.ts';
import { rule as PAPR_VIO_1 } from './PAPR-VIO-1.ts';
import { rule as PAPR_VIO_2 } from './PAPR-VIO-2.ts';
import { rule as PC_PIIX3_1 } from './PC-PIIX3-1.ts';
import { rule as PC_PIIX3_2 } from './PC-PIIX3-2.ts';
import { rule as Q35_DMI_1 } from './Q35-DMI-1.ts';
import { rule as Q35_HP_1 } from './Q35-HP-1.ts';
import { rule as Q35_HP_2 } from './Q35-HP-2.ts';
import { rule as Q35_IO_1 } from './Q35-IO-1.ts';
import { rule as Q35_NUMA_1 } from './Q35-NUMA-1.ts';
import { rule as Q35_PCI_2 } from './Q35-PCI-2.ts';
import { rule as Q35_PXB_1 } from './Q35-PXB-1.ts';
import { rule as Q35_PXB_2 } from './Q35-PXB-2.ts';
import { rule as Q35_ROOT_1 } from './Q35-ROOT-1.ts';
import { rule as Q35_RP_3 } from './Q35-RP-3.ts';
import { rule as Q35_RP_4 } from './Q35-RP-4.ts';
import { rule as Q35_RSV_1 } from './Q35-RSV-1.ts';
import { rule as Q35_SW_2 } from './Q35-SW-2.ts';
import { rule as VIRT_GPEX_1 } from './VIRT-GPEX-1.ts';

export const RULES: readonly Rule[] = [
  GEN_ADDR_1,
  GEN_ADDR_2,
  GEN_ADDR_3,
  GEN_ADDR_4,
  GEN_ADDR_6,
  GEN_CMDLINE_1,
  GEN_CONNECT_1,
  GEN_CONNECT_2,
  GEN_CONNECT_3,
  GEN_FS_1,
  GEN_HP_1,
  GEN_HP_5,
  GEN_IDE_1,
  GEN_IDX_1,
  GEN_IDX_2,
  GEN_IDX_3,
  GEN_IDX_4,
  GEN_IDX_6,
  GEN_INTEGRATED_1,
  GEN_MF_2,
  GEN_MF_3,
  GEN_MODEL_1,
  GEN_MODEL_2,
  GEN_MODEL_3,
  GEN_MODEL_4,
  GEN_SOUND_1,
  GEN_TGT_1,
  GEN_USB_1,
  HD_MF_1,
  HD_SRC_1,
  HD_SRC_2,
  HD_SRC_3,
  HD_VFIO_1,
  PAPR_BRIDGE_2,
  PAPR_BRIDGE_4,
  PAPR_CTRL_1,
  PAPR_CTRL_2,
  PAPR_CTRL_3,
  PAPR_CTRL_4,
  PAPR_DMA_1,
  PAPR_HP_1,
  PAPR_HP_2,
  PAPR_HP_6,
  PAPR_IRQ_1,
  PAPR_ISO_4,
  PAPR_ISO_5,
  PAPR_ISO_6,
  PAPR_ISO_7,
  PAPR_ISO_8,
  PAPR_ISO_9,
  PAPR_NUMA_1,
  PAPR_NUMA_2,
  PAPR_NUMA_4,
  PAPR_PHB_2,
  PAPR_PHB_3,
  PAPR_PHB_5,
  PAPR_PHB_9,
  PAPR_SLOT_1,
  PAPR_VIO_1,
  PAPR_VIO_2,
  PC_PIIX3_1,
  PC_PIIX3_2,
  Q35_DMI_1,
  Q35_HP_1,
  Q35_HP_2,
  Q35_IO_1,
  Q35_NUMA_1,
  Q35_PCI_2,
  Q35_PXB_1,
  Q35_PXB_2,
  Q35_ROOT_1,
  Q35_RP_3,
  Q35_RP_4,
  Q35_RSV_1,
  Q35_SW_2,
  VIRT_GPEX_1,
];
