/*
 * neondot.c - AArch64 dot products with the Armv8.2 SDOT instruction (kernels in
 * neon_body.h): 16 byte products summed into 4 int32 lanes per instruction. Called only when
 * the kernel reports the feature (HWCAP_ASIMDDP, kernels/dispatch.c).
 */
#if defined(__aarch64__)

#define TGT __attribute__((target("arch=armv8.2-a+dotprod")))
#define USE_SDOT 1
#define FILL_FN l4a_vecdot_fill_neondot
#define ISA_NAME "neondot"
#include "kernels/arch/arm/neon_body.h"

#endif
