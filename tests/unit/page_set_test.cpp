// cpu::PageSet: membership, and clear() through the list of inserted pages and, once that
// has overflowed, through the whole bitmap.
#include <catch2/catch.hpp>

#include "cpu/page_set.h"

using trapeze::cpu::PageSet;

TEST_CASE("a page set holds what was inserted until it is cleared", "[cpu][page_set]") {
    PageSet set;
    CHECK(set.empty());
    // Pages sharing a bitmap word, the first and the last page of 4 GB.
    for (uint32_t page : {0u, 1u, 63u, 64u, 0xFFFFFu}) set.insert(page);
    for (uint32_t page : {0u, 1u, 63u, 64u, 0xFFFFFu}) CHECK(set.contains(page));
    for (uint32_t page : {2u, 62u, 65u, 0xFFFFEu}) CHECK_FALSE(set.contains(page));
    CHECK_FALSE(set.empty());
    set.clear();
    CHECK(set.empty());
    for (uint32_t page : {0u, 1u, 63u, 64u, 0xFFFFFu}) CHECK_FALSE(set.contains(page));
}

TEST_CASE("a page set cleared after more pages than it lists forgets them all", "[cpu][page_set]") {
    PageSet set;
    const uint32_t n = PageSet::kListed + 100;
    for (uint32_t i = 0; i < n; ++i) set.insert(i * 37);  // spread over many bitmap words
    set.insert(5);                                        // inserted twice: listed once
    set.insert(5);
    for (uint32_t i = 0; i < n; ++i) REQUIRE(set.contains(i * 37));
    set.clear();
    CHECK(set.empty());
    for (uint32_t i = 0; i < n; ++i) REQUIRE_FALSE(set.contains(i * 37));
    CHECK_FALSE(set.contains(5));
    set.insert(7);
    CHECK(set.contains(7));
}
