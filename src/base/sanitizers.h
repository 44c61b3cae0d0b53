// Whether this build runs under AddressSanitizer (GCC defines
// __SANITIZE_ADDRESS__, clang answers __has_feature). Memory the engine maps
// itself is invisible to ASan, so under it the allocator and weight memory
// take heap memory instead, and the run-time arena poisons what is not live.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define ONYX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ONYX_ASAN 1
#endif
#endif

namespace onyx {
#if defined(ONYX_ASAN)
inline constexpr bool kUnderAsan = true;
#else
inline constexpr bool kUnderAsan = false;
#endif
}  // namespace onyx
