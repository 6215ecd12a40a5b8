/*
 * gguf_write.h - writing an l4a_gguf (parsed or built in memory) as a GGUF version 3 file
 * (ggml's docs/gguf.md) that llm4all's reader and llama.cpp both load.
 */
#ifndef L4A_GGUF_WRITE_H
#define L4A_GGUF_WRITE_H

#include "formats/gguf.h"

/* Write g to path (through path.tmp, renamed when complete): key/values in order, tensor
 * infos, data aligned to general.alignment (default 32). Errors: L4A_ERR_IO naming the path,
 * L4A_ERR_UNSUPPORTED (arrays of arrays). Not thread-safe on the same path. */
l4a_status l4a_gguf_write(const l4a_gguf *g, const char *path);

#endif
