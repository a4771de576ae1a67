// patent-match: progressive enhancement only; every form also works without JavaScript.
// Grading a match posts in the background so the list keeps its place.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.dataset.enhance !== "grade") return;
  event.preventDefault();
  const status = form.querySelector("output.status");
  try {
    const response = await fetch(form.action, {
      method: "POST", body: new FormData(form), headers: {"X-Requested-With": "fetch"}, credentials: "same-origin",
    });
    const answer = await response.json();
    status.textContent = answer.message;
    status.style.color = answer.ok ? "" : "#b3261e";
  } catch (error) {
    form.submit();  // the network or server failed: fall back to the plain form
  }
});
