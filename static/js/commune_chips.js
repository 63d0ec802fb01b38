// The communes a business serves (its settings form): the plain text field (communes separated by
// commas, what is sent) becomes removable chips and an input with the territory's suggestions
// (halle.js fills the datalist), usable by keyboard and on a phone. Without JavaScript, the text
// field works as it is.
(function () {
  const box = document.querySelector(".commune-chips");
  const field = box && box.querySelector("[data-commune-chips]");
  if (!field) return;
  const texts = box.dataset;
  const say = function (template, name) { return template.replace("{}", name); };
  const values = field.value.split(/[;,\n]+/).map(function (v) { return v.trim(); }).filter(Boolean);

  const list = document.createElement("ul");
  list.className = "chips";
  list.setAttribute("aria-label", document.querySelector('label[for="' + field.id + '"]').textContent.trim());
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  const row = document.createElement("div");
  row.setAttribute("role", "group");
  const label = document.createElement("label");
  label.htmlFor = field.id + "-new";
  label.textContent = texts.newLabel;
  const input = document.createElement("input");
  input.type = "text";
  input.id = field.id + "-new";
  input.setAttribute("list", "commune-options");
  input.setAttribute("autocomplete", "off");
  input.setAttribute("enterkeyhint", "done");
  ["aria-describedby", "aria-invalid"].forEach(function (name) {  // the help or the server's error
    if (field.hasAttribute(name)) input.setAttribute(name, field.getAttribute(name));
  });
  const add = document.createElement("button");
  add.type = "button";
  add.className = "secondary";
  add.textContent = texts.add;
  row.append(input, add);

  function sync() { field.value = values.join(", "); }

  function render() {
    list.replaceChildren();
    values.forEach(function (name, index) {
      const item = document.createElement("li");
      item.append(document.createTextNode(name + " "));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", say(texts.remove, name));
      remove.addEventListener("click", function () {
        values.splice(index, 1);
        sync();
        render();
        status.textContent = say(texts.removed, name);
        input.focus();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  function addTyped() {
    const name = input.value.trim();
    if (!name) return;
    if (!values.includes(name)) values.push(name);
    sync();
    render();
    status.textContent = say(texts.added, name);
    input.value = "";
    input.focus();
  }

  add.addEventListener("click", addTyped);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); addTyped(); }
  });
  // The text field stays in the form (it is what is sent, and carries the server's error), hidden.
  field.hidden = true;
  field.after(list, label, row, status);
  render();
})();
