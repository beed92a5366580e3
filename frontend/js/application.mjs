// Progressive enhancement only: every page works without JavaScript.
// GOV.UK and MoJ Frontend initialise their components on elements carrying
// data-module attributes, once `govuk-frontend-supported` is on <body>.
import { initAll as initGovUk } from "../../govuk/govuk-frontend.min.js";
import { initAll as initMoj } from "../../moj/moj-frontend.min.js";

initGovUk();
initMoj();
