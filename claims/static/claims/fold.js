// On a narrow screen the claim list's filters fold under their summary, so the
// results come first; a tap on "Search and filter" unfolds them. Without
// JavaScript the filters stay open and the stylesheet puts them after the results.
document.documentElement.classList.remove("no-js");
const narrow = window.matchMedia("(max-width: 48rem)");
function fold() {
  const filters = document.getElementById("filter-fold");
  // Filters with an error stay open: the message is beside the field.
  if (filters && narrow.matches && !filters.querySelector(".error-summary")) {
    filters.open = false;
  }
}
fold();
// After htmx swaps in a new list (a filter applied), show its results again;
// a pick-list's options swapped in while one types leave the filters open.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.elt && event.detail.elt.id === "claim-list") {
    fold();
  }
});
