// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The parts of the NVMe base specification that vfk-nvme-read uses: controller registers,
 * command opcodes and the queue entry layouts. Nothing here is about VFIO.
 */
#ifndef VFK_EXAMPLES_NVME_SPEC_H
#define VFK_EXAMPLES_NVME_SPEC_H

#include <stdint.h>

/* Controller registers in BAR0 (NVMe base specification, section 3.1). */
enum { REG_CAP = 0x00, REG_CC = 0x14, REG_CSTS = 0x1c, REG_AQA = 0x24, REG_ASQ = 0x28 };
enum { REG_ACQ = 0x30, REG_DOORBELLS = 0x1000 };
#define CC_EN 0x1u
#define CC_IOSQES (6u << 16) /* submission entries are 2^6 = 64 bytes */
#define CC_IOCQES (4u << 20) /* completion entries are 2^4 = 16 bytes */
#define CSTS_RDY 0x1u
#define CSTS_CFS 0x2u

/* Admin opcodes, and the one NVM command we need. */
enum { OPC_CREATE_SQ = 0x01, OPC_CREATE_CQ = 0x05, OPC_IDENTIFY = 0x06 };
enum { OPC_SET_FEATURES = 0x09, OPC_READ = 0x02 };

struct sqe {
	uint8_t opc, flags;
	uint16_t cid;
	uint32_t nsid;
	uint64_t rsvd, mptr, prp1, prp2;
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
struct cqe {
	uint32_t result, rsvd;
	uint16_t sqhd, sqid, cid, status; /* status bit 0 is the phase tag */
};
_Static_assert(sizeof(struct sqe) == 64 && sizeof(struct cqe) == 16, "NVMe entry sizes");

#endif
