// Verification helper for Tools/reference/llamacpp/crosscheck.py: load a GGUF with llama.cpp, decode the tokens
// in one batch, print all-position logits as {"logits": [[...]]}. Optional; built outside the repo (crosscheck.py).
#include "llama.h"
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
int main(int argc, char ** argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL TOKENS [f16kv]\n", argv[0]); return 1; }
    bool f16kv = argc > 3 && strcmp(argv[3], "f16kv") == 0;
    std::vector<llama_token> toks;
    for (char * p = strtok(argv[2], ","); p; p = strtok(nullptr, ",")) toks.push_back(atoi(p));
    llama_backend_init();
    auto mp = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "load failed\n"); return 2; }
    auto cp = llama_context_default_params();
    cp.n_ctx = 64; cp.n_batch = 64; cp.n_ubatch = 64; cp.n_threads = 1; cp.n_threads_batch = 1;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    cp.type_k = f16kv ? GGML_TYPE_F16 : GGML_TYPE_F32;
    cp.type_v = f16kv ? GGML_TYPE_F16 : GGML_TYPE_F32;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) { fprintf(stderr, "context failed\n"); return 3; }
    int n = (int) toks.size();
    llama_batch b = llama_batch_init(n, 0, 1);
    for (int i = 0; i < n; i++) {
        b.token[i] = toks[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1;
    }
    b.n_tokens = n;
    if (llama_decode(ctx, b) != 0) { fprintf(stderr, "decode failed\n"); return 4; }
    int nv = llama_vocab_n_tokens(llama_model_get_vocab(model));
    printf("{\"logits\": [");
    for (int i = 0; i < n; i++) {
        const float * l = llama_get_logits_ith(ctx, i);
        printf(i ? ",[" : "[");
        for (int j = 0; j < nv; j++) printf(j ? ",%.9g" : "%.9g", l[j]);
        printf("]");
    }
    printf("]}\n");
    llama_batch_free(b); llama_free(ctx); llama_model_free(model);
    return 0;
}
