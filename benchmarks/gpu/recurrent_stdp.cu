// CUDA prototype of benchmark 2 (issue 4): the recurrent LIF network with STDP, on one GPU.
//
// Not part of hebblab (no test depends on it): a measurement of what "another loop owner" could
// gain, for benchmarks/RESULTS.md. Same network as hebblab.networks.recurrent_network and
// benchmarks/recurrent.py: N current-based LIF neurons (tau_m 20 ms, v_rest -70 mV, threshold
// -50 mV, reset -60 mV, 2 ms refractory, exponential synaptic current tau 5 ms, exact
// propagator), each with its own 1000 Hz Poisson input of 3.5 mV (delivered in the step it fires),
// K random recurrent synapses per neuron (p = K/N, no autapses, 20 mV / K, delay 1.5 ms), additive
// all-to-all pair STDP (tau 20 ms, w_max = 2 w0, a+ = 1 %, a- = 1.05 % of w_max), dt 0.1 ms, 2 s.
// Step order as hebblab's: update + threshold, arrivals due now (delivery, depression from the
// post trace, pre trace + 1), potentiation for neurons that fired now (post trace + 1).
//
// Differences from hebblab, on purpose for a prototype: traces decay every step (clock-driven)
// instead of on read; deliveries use atomicAdd, so the order of a neuron's input sum (and its last
// bits) varies between runs; the Poisson and connectivity draws use other random streams. The
// outcome to compare is therefore statistical: rate and the weights' mean and SD.
//
// Build and run:  nvcc -O3 -arch=sm_90 -o recurrent_stdp recurrent_stdp.cu && ./recurrent_stdp [N] [K]
// Steps are captured into CUDA graphs of STEPS_PER_GRAPH steps so kernel launches cost little.

#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <cmath>
#include <vector>
#include <algorithm>
#include <chrono>
#include <cuda_runtime.h>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { \
    fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e), __FILE__, __LINE__); exit(1); } } while (0)

static const int DELAY = 15;          // 1.5 ms at dt 0.1 ms
static const int SLOTS = DELAY + 1;   // spike lists kept for the delay
static const int STEPS_PER_GRAPH = 100;

struct Params {
    float pm, pe, ce, v_rest, v_th, v_reset;
    int n_ref;
    float w_ext, p_ext;
    float dpre, dpost;              // per-step trace decay
    float a_plus, a_minus, w_max;
    unsigned long long seed;
};

__host__ __device__ inline unsigned long long splitmix64(unsigned long long x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

__device__ inline float uniform01(unsigned long long seed, unsigned long long a, unsigned long long b) {
    unsigned long long h = splitmix64(splitmix64(seed ^ splitmix64(a)) ^ b);
    return (h >> 40) * (1.0f / 16777216.0f);
}

// 1. neurons: decay traces, integrate, threshold, external Poisson input of this step
__global__ void update(int n, const int* d_t, Params P, float* v, float* ge, int* refr, float* xpre, float* xpost,
                       int* spikes, int* counts, unsigned long long* total) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    int t = *d_t;
    xpre[i] *= P.dpre;
    xpost[i] *= P.dpost;
    float vn = P.v_rest + (v[i] - P.v_rest) * P.pm + ge[i] * P.ce;
    int r = refr[i];
    float vv = r <= 0 ? vn : P.v_reset;
    refr[i] = r > 0 ? r - 1 : 0;
    float g = ge[i] * P.pe;
    if (vv >= P.v_th) {
        vv = P.v_reset;
        refr[i] = P.n_ref;
        int slot = t % SLOTS;
        int k = atomicAdd(&counts[slot], 1);
        spikes[slot * n + k] = i;
        atomicAdd(total, 1ULL);
    }
    v[i] = vv;
    if (uniform01(P.seed, (unsigned long long)i, (unsigned long long)t) < P.p_ext) g += P.w_ext;
    ge[i] = g;
}

// 2. arrivals due now (spikes from DELAY steps ago): deliver, depress, pre trace + 1
__global__ void deliver(int n, const int* d_t, Params P, const long long* indptr, const int* post, float* w, float* ge,
                        float* xpre, const float* xpost, const int* spikes, const int* counts) {
    int t = *d_t;
    if (t < DELAY) return;
    int slot = (t - DELAY) % SLOTS;
    int m = counts[slot];
    for (int a = blockIdx.x; a < m; a += gridDim.x) {
        int j = spikes[slot * n + a];
        for (long long s = indptr[j] + threadIdx.x; s < indptr[j + 1]; s += blockDim.x) {
            int i = post[s];
            float x = w[s];
            atomicAdd(&ge[i], x);
            w[s] = fminf(fmaxf(x - P.a_minus * xpost[i], 0.0f), P.w_max);
        }
        if (threadIdx.x == 0) xpre[j] += 1.0f;
    }
}

// 3. potentiation of every synapse onto a neuron that fired now, then its post trace + 1
__global__ void potentiate(int n, const int* d_t, Params P, const long long* post_ptr, const int* post_syn,
                           const int* post_pre, float* w, const float* xpre, float* xpost, const int* spikes,
                           const int* counts) {
    int t = *d_t;
    int slot = t % SLOTS;
    int m = counts[slot];
    for (int a = blockIdx.x; a < m; a += gridDim.x) {
        int i = spikes[slot * n + a];
        for (long long q = post_ptr[i] + threadIdx.x; q < post_ptr[i + 1]; q += blockDim.x) {
            int s = post_syn[q];
            w[s] = fminf(w[s] + P.a_plus * xpre[post_pre[q]], P.w_max);
        }
        if (threadIdx.x == 0) xpost[i] += 1.0f;
    }
}

// 4. next step: empty the slot the next step writes (its arrivals were delivered this step)
__global__ void advance(int* d_t, int* counts) {
    int t = *d_t + 1;
    counts[t % SLOTS] = 0;
    *d_t = t;
}

int main(int argc, char** argv) {
    const int N = argc > 1 ? atoi(argv[1]) : 10000;
    const int K = argc > 2 ? atoi(argv[2]) : 100;
    const double dt = 1e-4, T = 2.0;
    const int steps = (int)llround(T / dt);
    const double tau_m = 20e-3, tau_e = 5e-3, tau_stdp = 20e-3;
    const double w0 = 20e-3 / K;
    Params P;
    P.pm = (float)exp(-dt / tau_m);
    P.pe = (float)exp(-dt / tau_e);
    P.ce = (float)(tau_e / (tau_e - tau_m) * (exp(-dt / tau_e) - exp(-dt / tau_m)));
    P.v_rest = -70e-3f; P.v_th = -50e-3f; P.v_reset = -60e-3f; P.n_ref = 20;
    P.w_ext = 3.5e-3f; P.p_ext = (float)(1000.0 * dt);
    P.dpre = P.dpost = (float)exp(-dt / tau_stdp);
    P.a_plus = (float)(0.01 * 2 * w0); P.a_minus = (float)(0.0105 * 2 * w0); P.w_max = (float)(2 * w0);
    P.seed = 12345;

    // connectivity on the host: geometric gaps, CSR by pre, then the post-to-synapse index
    auto t_build0 = std::chrono::steady_clock::now();
    const double p = (double)K / N;
    std::vector<long long> indptr(N + 1, 0);
    std::vector<int> post;
    post.reserve((size_t)(1.1 * N * (double)K));
    unsigned long long ctr = 0;
    for (int j = 0; j < N; ++j) {
        long long pos = -1;
        while (true) {
            double u = ((splitmix64(++ctr) >> 11) + 1) * (1.0 / 9007199254740993.0);
            pos += 1 + (long long)floor(log(u) / log1p(-p));
            if (pos >= N) break;
            if (pos == j) continue;
            post.push_back((int)pos);
        }
        indptr[j + 1] = (long long)post.size();
    }
    const long long S = (long long)post.size();
    std::vector<long long> post_ptr(N + 1, 0);
    for (long long s = 0; s < S; ++s) post_ptr[post[s] + 1]++;
    for (int i = 0; i < N; ++i) post_ptr[i + 1] += post_ptr[i];
    std::vector<int> post_syn(S), post_pre(S);
    std::vector<long long> cursor(post_ptr.begin(), post_ptr.end() - 1);
    for (int j = 0; j < N; ++j)
        for (long long s = indptr[j]; s < indptr[j + 1]; ++s) {
            long long q = cursor[post[s]]++;
            post_syn[q] = (int)s;
            post_pre[q] = j;
        }
    std::vector<float> w(S, (float)w0), v(N, -70e-3f), zeros(N, 0.0f);
    std::vector<int> izeros(N, 0);
    double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_build0).count();

    long long *d_indptr, *d_post_ptr;
    int *d_post, *d_post_syn, *d_post_pre, *d_refr, *d_spikes, *d_counts, *d_t;
    float *d_w, *d_v, *d_ge, *d_xpre, *d_xpost;
    unsigned long long* d_total;
    CHECK(cudaMalloc(&d_indptr, (N + 1) * sizeof(long long)));
    CHECK(cudaMalloc(&d_post_ptr, (N + 1) * sizeof(long long)));
    CHECK(cudaMalloc(&d_post, S * sizeof(int)));
    CHECK(cudaMalloc(&d_post_syn, S * sizeof(int)));
    CHECK(cudaMalloc(&d_post_pre, S * sizeof(int)));
    CHECK(cudaMalloc(&d_w, S * sizeof(float)));
    CHECK(cudaMalloc(&d_v, N * sizeof(float)));
    CHECK(cudaMalloc(&d_ge, N * sizeof(float)));
    CHECK(cudaMalloc(&d_xpre, N * sizeof(float)));
    CHECK(cudaMalloc(&d_xpost, N * sizeof(float)));
    CHECK(cudaMalloc(&d_refr, N * sizeof(int)));
    CHECK(cudaMalloc(&d_spikes, (size_t)SLOTS * N * sizeof(int)));
    CHECK(cudaMalloc(&d_counts, SLOTS * sizeof(int)));
    CHECK(cudaMalloc(&d_t, sizeof(int)));
    CHECK(cudaMalloc(&d_total, sizeof(unsigned long long)));
    CHECK(cudaMemcpy(d_indptr, indptr.data(), (N + 1) * sizeof(long long), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_post_ptr, post_ptr.data(), (N + 1) * sizeof(long long), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_post, post.data(), S * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_post_syn, post_syn.data(), S * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_post_pre, post_pre.data(), S * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_w, w.data(), S * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_v, v.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_ge, zeros.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_xpre, zeros.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_xpost, zeros.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d_refr, izeros.data(), N * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemset(d_counts, 0, SLOTS * sizeof(int)));
    CHECK(cudaMemset(d_t, 0, sizeof(int)));
    CHECK(cudaMemset(d_total, 0, sizeof(unsigned long long)));

    const int threads = 256, nb = (N + threads - 1) / threads, ev_blocks = 128, ev_threads = 128;
    cudaStream_t st;
    CHECK(cudaStreamCreate(&st));
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CHECK(cudaStreamBeginCapture(st, cudaStreamCaptureModeGlobal));
    for (int k = 0; k < STEPS_PER_GRAPH; ++k) {
        update<<<nb, threads, 0, st>>>(N, d_t, P, d_v, d_ge, d_refr, d_xpre, d_xpost, d_spikes, d_counts, d_total);
        deliver<<<ev_blocks, ev_threads, 0, st>>>(N, d_t, P, d_indptr, d_post, d_w, d_ge, d_xpre, d_xpost, d_spikes, d_counts);
        potentiate<<<ev_blocks, ev_threads, 0, st>>>(N, d_t, P, d_post_ptr, d_post_syn, d_post_pre, d_w, d_xpre, d_xpost,
                                                     d_spikes, d_counts);
        advance<<<1, 1, 0, st>>>(d_t, d_counts);
    }
    CHECK(cudaStreamEndCapture(st, &graph));
    CHECK(cudaGraphInstantiate(&exec, graph, 0));
    CHECK(cudaGraphLaunch(exec, st));  // warm-up: the first STEPS_PER_GRAPH steps (counted in the total)
    CHECK(cudaStreamSynchronize(st));

    cudaEvent_t e0, e1;
    CHECK(cudaEventCreate(&e0));
    CHECK(cudaEventCreate(&e1));
    CHECK(cudaEventRecord(e0, st));
    for (int g = 1; g < steps / STEPS_PER_GRAPH; ++g) CHECK(cudaGraphLaunch(exec, st));
    CHECK(cudaEventRecord(e1, st));
    CHECK(cudaEventSynchronize(e1));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, e0, e1));
    double sim_s = ms / 1000.0 * steps / (steps - STEPS_PER_GRAPH);  // scaled to the whole 2 s

    unsigned long long total = 0;
    CHECK(cudaMemcpy(&total, d_total, sizeof(total), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(w.data(), d_w, S * sizeof(float), cudaMemcpyDeviceToHost));
    double sum = 0, sum2 = 0;
    for (long long s = 0; s < S; ++s) { sum += w[s] * 1e3; sum2 += (double)w[s] * 1e3 * w[s] * 1e3; }
    double mean = sum / S, sd = sqrt(std::max(0.0, sum2 / S - mean * mean));
    double rate = total / (double)N / T;
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    printf("{\"tool\": \"CUDA prototype (%s)\", \"neurons\": %d, \"k\": %d, \"synapses\": %lld, \"build_s\": %.3f, "
           "\"simulate_s\": %.4f, \"rate_hz\": %.3f, \"w_mean_mv\": %.5f, \"w_sd_mv\": %.5f, \"events_per_s\": %.4g}\n",
           prop.name, N, K, S, build_s, sim_s, rate, mean, sd, rate * N * T * K / sim_s);
    return 0;
}
