/*
 * convert.c - `llm4all convert DIR -o OUT.gguf [--type TYPE]`: a Hugging Face model folder
 * written as a GGUF file (l4a_model_convert), which llm4all and llama.cpp load.
 */
#include "common.h"

const app_verb app_verb_convert = {
    .name = "convert",
    .bit = VERB_CONVERT,
    .synopsis = "DIR -o OUT.gguf [--type f32|f16|bf16|q8_0|q4_0|q4_k]",
    .summary = "convert a Hugging Face model folder to GGUF",
    .description =
        "Write the model of the Hugging Face folder DIR (config.json, *.safetensors) as a GGUF\n"
        "file: llama.cpp's key and tensor names, matrices in TYPE (default f16), norms in f32.\n"
        "The tokenizer is not written yet: the file runs token ids only.",
    .max_positional = 1,
};

int app_cmd_convert(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_convert, &o);
    if (o.n_positional != 1) app_usage_error(&app_verb_convert, "give the model folder DIR");
    if (!o.output || !*o.output) app_usage_error(&app_verb_convert, "give the output with -o");
    double t0 = app_now();
    if (l4a_model_convert(o.positional[0], o.output, o.type ? o.type : "f16") != L4A_OK)
        return app_lib_error("cannot convert");
    fprintf(stderr, "wrote %s in %.1f s\n", o.output, app_now() - t0);
    return APP_EXIT_OK;
}
