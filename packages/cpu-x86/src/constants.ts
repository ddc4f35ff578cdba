/** Architectural constants (Intel SDM Vol. 3A ch. 2-6). */

// General registers, in ModRM encoding order.
export const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;

// Segment registers, in ModRM/sreg encoding order.
export const ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;
export const SEG_NAMES = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

// EFLAGS bits.
export const FLAG_CF = 1 << 0;
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_VIF = 1 << 19;
export const FLAG_VIP = 1 << 20;
export const FLAG_ID = 1 << 21;
/** The six status flags computed by arithmetic. */
export const FLAGS_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** Bit 1 of EFLAGS always reads as 1. */
export const FLAGS_FIXED = 1 << 1;

// CR0 bits.
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

// CR4 bits (those a P6 with PAE/PGE has).
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
/** Bits a write to CR4 may set; others raise #GP(0). */
export const CR4_VALID = CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE;

// IA32_EFER (MSR 0xC0000080): only NXE matters on a 32-bit CPU.
export const MSR_EFER = 0xc0000080;
export const EFER_NXE = 1 << 11;

// Exception vectors.
export const VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5, VEC_UD = 6, VEC_NM = 7;
export const VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12, VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17;
export const VEC_MC = 18;

// Page-table entry bits.
export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_PWT = 1 << 3;
export const PTE_PCD = 1 << 4;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
export const PTE_PS = 1 << 7;
export const PTE_G = 1 << 8;

// #PF error-code bits (Intel SDM Vol. 3A 4.7).
export const PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;
