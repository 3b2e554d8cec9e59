// Progressive enhancement: a button that copies the citation. Without JavaScript
// the citation is still in a read-only text box to select and copy.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copyTarget);
  if (!field) return;
  const done = () => {
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy citation"; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => { field.select(); });
  } else {
    field.select();
    document.execCommand("copy");
    done();
  }
});
