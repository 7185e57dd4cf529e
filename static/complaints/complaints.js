// Forms marked data-confirm ask before they send (concluding a complaint, sending an inquiry to compliance).
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
