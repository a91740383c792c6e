/**
 * libvirt's define-time behaviour, once (DESIGN.md §1): what `virsh define` does to a domain's PCI
 * topology, as libvirt 10.7 does it, in files named after libvirt's sources and functions named
 * after its C functions:
 *  - domainAddr.ts: src/conf/domain_addr.c, the connect flags, the bus table and the address set;
 *  - domainConf.ts: src/conf/domain_conf.c, controller indexes and libvirt's post-parse;
 *  - qemuDomain.ts: src/qemu/qemu_domain.c, what libvirt asks of a machine, default models and devices;
 *  - qemuDomainAddress.ts: src/qemu/qemu_domain_address.c, which device wants which slot, the
 *    chipsets, the assignment passes and the controller defaults;
 *  - qemuValidate.ts: src/qemu/qemu_validate.c, the driver's refusals whatever the addresses;
 *  - virpci.ts: src/util/virpci.c, the range of a PCI address libvirt parses.
 * It imports the model only; machine profiles (../machines) answer what it asks of a machine.
 */
export * from './domainAddr.ts';
export * from './domainConf.ts';
export * from './qemuDomain.ts';
export * from './qemuDomainAddress.ts';
export * from './qemuValidate.ts';
export * from './virpci.ts';
