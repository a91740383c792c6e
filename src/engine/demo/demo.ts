/**
 * The built-in demo (issue 2): a POWER9-like host and a pseries guest with three vPHBs. Kept as
 * the XML users would bring, so the demo goes through the same importers as their files.
 * Host groups: 1 = 2-function ConnectX-5, 2 = 4-function BCM5719 (one group), 3 = NVMe,
 * 4 = V100 GPU on NUMA node 8, 5 = SAS3008 on node 8; 0 = the host bridge (not assignable).
 * The guest's two NUMA cells map to host nodes 0 and 8 (numatune).
 */

export const DEMO_HOST_XML = `<!-- pcitopo demo host: a POWER9-like machine with two NUMA nodes (0 and 8), as virsh
     nodedev-dumpxml prints each PCI device virsh nodedev-list lists (a comment holds no double hyphen). -->
<device>
  <name>pci_0000_00_00_0</name>
  <path>/sys/devices/pci0000:00/0000:00:00.0</path>
  <driver>
    <name>pcieport</name>
  </driver>
  <capability type='pci'>
    <class>0x060400</class>
    <domain>0</domain>
    <bus>0</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x04c1'>POWER9 Host Bridge (PHB4)</product>
    <vendor id='0x1014'>IBM</vendor>
    <capability type='pci-bridge'/>
    <iommuGroup number='0'>
      <address domain='0x0000' bus='0x00' slot='0x00' function='0x0'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0000_01_00_0</name>
  <path>/sys/devices/pci0000:00/0000:01:00.0</path>
  <driver>
    <name>mlx5_core</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>0</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x1017'>MT27800 Family [ConnectX-5]</product>
    <vendor id='0x15b3'>Mellanox Technologies</vendor>
    <iommuGroup number='1'>
      <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0000_01_00_1</name>
  <path>/sys/devices/pci0000:00/0000:01:00.1</path>
  <driver>
    <name>mlx5_core</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>0</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>1</function>
    <product id='0x1017'>MT27800 Family [ConnectX-5]</product>
    <vendor id='0x15b3'>Mellanox Technologies</vendor>
    <iommuGroup number='1'>
      <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0001_01_00_0</name>
  <path>/sys/devices/pci0001:00/0001:01:00.0</path>
  <driver>
    <name>tg3</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>1</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x1657'>NetXtreme BCM5719 Gigabit Ethernet PCIe</product>
    <vendor id='0x14e4'>Broadcom Inc. and subsidiaries</vendor>
    <iommuGroup number='2'>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x1'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x2'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x3'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0001_01_00_1</name>
  <path>/sys/devices/pci0001:00/0001:01:00.1</path>
  <driver>
    <name>tg3</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>1</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>1</function>
    <product id='0x1657'>NetXtreme BCM5719 Gigabit Ethernet PCIe</product>
    <vendor id='0x14e4'>Broadcom Inc. and subsidiaries</vendor>
    <iommuGroup number='2'>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x1'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x2'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x3'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0001_01_00_2</name>
  <path>/sys/devices/pci0001:00/0001:01:00.2</path>
  <driver>
    <name>tg3</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>1</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>2</function>
    <product id='0x1657'>NetXtreme BCM5719 Gigabit Ethernet PCIe</product>
    <vendor id='0x14e4'>Broadcom Inc. and subsidiaries</vendor>
    <iommuGroup number='2'>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x1'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x2'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x3'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0001_01_00_3</name>
  <path>/sys/devices/pci0001:00/0001:01:00.3</path>
  <driver>
    <name>tg3</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>1</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>3</function>
    <product id='0x1657'>NetXtreme BCM5719 Gigabit Ethernet PCIe</product>
    <vendor id='0x14e4'>Broadcom Inc. and subsidiaries</vendor>
    <iommuGroup number='2'>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x1'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x2'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x3'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0030_01_00_0</name>
  <path>/sys/devices/pci0030:00/0030:01:00.0</path>
  <driver>
    <name>vfio-pci</name>
  </driver>
  <capability type='pci'>
    <class>0x010802</class>
    <domain>48</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0xa822'>NVMe SSD Controller 172Xa/172Xb</product>
    <vendor id='0x144d'>Samsung Electronics Co Ltd</vendor>
    <iommuGroup number='3'>
      <address domain='0x0030' bus='0x01' slot='0x00' function='0x0'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0035_03_00_0</name>
  <path>/sys/devices/pci0035:00/0035:03:00.0</path>
  <driver>
    <name>vfio-pci</name>
  </driver>
  <capability type='pci'>
    <class>0x030200</class>
    <domain>53</domain>
    <bus>3</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x1db1'>GV100GL [Tesla V100 SXM2 16GB]</product>
    <vendor id='0x10de'>NVIDIA Corporation</vendor>
    <iommuGroup number='4'>
      <address domain='0x0035' bus='0x03' slot='0x00' function='0x0'/>
    </iommuGroup>
    <numa node='8'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
<device>
  <name>pci_0033_01_00_0</name>
  <path>/sys/devices/pci0033:00/0033:01:00.0</path>
  <driver>
    <name>mpt3sas</name>
  </driver>
  <capability type='pci'>
    <class>0x010700</class>
    <domain>51</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x0097'>SAS3008 PCI-Express Fusion-MPT SAS-3</product>
    <vendor id='0x1000'>Broadcom / LSI</vendor>
    <iommuGroup number='5'>
      <address domain='0x0033' bus='0x01' slot='0x00' function='0x0'/>
    </iommuGroup>
    <numa node='8'/>
    <pci-express>
      <link validity='cap' port='0' speed='8' width='8'/>
      <link validity='sta' speed='8' width='8'/>
    </pci-express>
  </capability>
</device>
`;

export const DEMO_DOMAIN_XML = `<domain type='kvm'>
  <name>p9-demo</name>
  <!-- pcitopo demo guest: emulated devices on the default PHB, one host IOMMU group (PE) per vPHB -->
  <memory unit='GiB'>16</memory>
  <vcpu placement='static'>8</vcpu>
  <cpu>
    <numa>
      <cell id='0' cpus='0-3' memory='8' unit='GiB'/>
      <cell id='1' cpus='4-7' memory='8' unit='GiB'/>
    </numa>
  </cpu>
  <numatune>
    <memnode cellid='0' mode='strict' nodeset='0'/>
    <memnode cellid='1' mode='strict' nodeset='8'/>
  </numatune>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-ppc64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/p9-demo.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
    <controller type='pci' index='0' model='pci-root'>
      <model name='spapr-pci-host-bridge'/>
      <target index='0'/>
    </controller>
    <controller type='pci' index='1' model='pci-root'>
      <model name='spapr-pci-host-bridge'/>
      <target index='1'>
        <node>0</node>
      </target>
    </controller>
    <controller type='pci' index='2' model='pci-root'>
      <model name='spapr-pci-host-bridge'/>
      <target index='2'>
        <node>0</node>
      </target>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:12:34:56'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
    </interface>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0' multifunction='on'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x1'/>
    </hostdev>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0030' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>
    </hostdev>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>
    </memballoon>
    <panic model='pseries'/>
  </devices>
</domain>
`;
