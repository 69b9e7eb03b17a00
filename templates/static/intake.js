// Progressive enhancement only: a print button on the receipt. Everything works without it.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".print-button");
  if (button && window.print) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }
});
